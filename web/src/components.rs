//! The app's components, each named after what it shows.

pub mod home_gallery;
pub mod site_header;
