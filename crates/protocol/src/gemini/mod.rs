//! gemini codec (being written).
