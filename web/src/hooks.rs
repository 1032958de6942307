//! Hooks that connect the app to the browser's clock and keyboard.

pub mod use_animation_frame;
pub mod use_key_shortcuts;
