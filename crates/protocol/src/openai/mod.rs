//! openai codec (being written).
