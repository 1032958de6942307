//! The bar across the top: the name, and a link to each lab.

use yew::prelude::*;

use crate::labs::LINKS;
use crate::route::Route;

/// The site header, with the link of the page being shown (`route`) marked as current.
pub fn site_header(route: &Route) -> Html {
    html! {
        <header class="site-header">
            <a class="brand" href="#/" aria-label="Netsplit home">{ "Net" }<span>{ "split" }</span></a>
            <nav aria-label="Labs">
                { for LINKS.iter().map(|(id, title)| {
                    let link = Route::Lab(id.to_string());
                    let current = (*route == link).then_some("page");
                    html! { <a href={link.href()} aria-current={current}>{ *title }</a> }
                }) }
            </nav>
        </header>
    }
}
