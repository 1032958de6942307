//! The app's components, each named after what it shows.

pub mod cluster_canvas;
pub mod cluster_view;
pub mod cluster_view_node;
pub mod event_log;
pub mod fault_toolbar;
pub mod home_gallery;
pub mod inspector;
pub mod lab_figures;
pub mod lab_page;
pub mod lab_picture;
pub mod link_popover;
pub mod metrics_strip;
pub mod playback_bar;
pub mod run_about;
pub mod safety_panel;
pub mod scenario_form;
pub mod share_dialog;
pub mod site_header;
pub mod spacetime_view;
