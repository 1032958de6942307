//! The app's components, each named after what it shows.

pub mod cluster_view;
pub mod cluster_view_node;
pub mod event_log;
pub mod fault_toolbar;
pub mod hashing_charts;
pub mod hashing_lab;
pub mod hashing_ring;
pub mod hashing_state;
pub mod home_gallery;
pub mod inspector;
pub mod lab_figures;
pub mod lab_page;
pub mod link_popover;
pub mod metrics_strip;
pub mod playback_bar;
pub mod raft_experiment;
pub mod raft_view;
pub mod ratelimit_controls;
pub mod ratelimit_distributed;
pub mod ratelimit_lab;
pub mod ratelimit_model;
pub mod ratelimit_timeline;
pub mod run_about;
pub mod safety_panel;
pub mod share_dialog;
pub mod site_header;
