//! anthropic codec (being written).
