//! The bar across the top: the name, and a link to each lab.

use yew::prelude::*;

use crate::labs::LABS;
use crate::route::Route;

/// Props of [`SiteHeader`].
#[derive(Properties, PartialEq)]
pub struct SiteHeaderProps {
    /// The page being shown, to mark its link as current.
    pub route: Route,
}

/// The site header.
#[component]
pub fn SiteHeader(props: &SiteHeaderProps) -> Html {
    html! {
        <header class="site-header">
            <a class="brand" href="#/" aria-label="Netsplit home">{ "Net" }<span>{ "split" }</span></a>
            <nav aria-label="Labs">
                { for LABS.iter().map(|lab| {
                    let route = Route::Lab(lab.id.to_string());
                    let current = (props.route == route).then_some("page");
                    html! { <a href={route.href()} aria-current={current}>{ lab.title }</a> }
                }) }
            </nav>
        </header>
    }
}
