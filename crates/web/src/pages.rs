//! The pages: the ABC Travel shop (the seed's Fig. 4: a home page, a cruise
//! page and a flights page, each with an advert area, add-to-cart and the
//! "Talk to a customer service representative" button), the
//! representative console and the live view. Plain HTML, CSS and JavaScript compiled into the
//! binary with `include_str!`; nothing is loaded from elsewhere.
//!
//! The shop pages share one template; the page's url, title and the skill
//! it asks for are written into it (as `data-` attributes the script reads).

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};

const SHOP: &str = include_str!("../assets/shop.html");
const CONSOLE: &str = include_str!("../assets/console.html");
const NETWORK: &str = include_str!("../assets/network.html");
const NETWORK_JS: &str = include_str!("../assets/network.js");
const STYLE: &str = include_str!("../assets/style.css");
const SHOP_JS: &str = include_str!("../assets/shop.js");
const CONSOLE_JS: &str = include_str!("../assets/console.js");

/// The text of the shop's call button (Fig. 4).
pub const CALL_BUTTON: &str = "Talk to a customer service representative";

struct ShopPage {
    url: &'static str,
    title: &'static str,
    skill: &'static str,
    advert: &'static str,
    products: &'static [(&'static str, u32)],
}

const HOME: ShopPage = ShopPage {
    url: "/",
    title: "ABC Travel",
    skill: "",
    advert: "Sail the Caribbean or fly anywhere: ABC Travel has the trip. Our representatives call you back in seconds.",
    products: &[("Gift card", 10000)],
};

const CRUISES: ShopPage = ShopPage {
    url: "/cruises",
    title: "Caribbean cruises",
    skill: "cruise",
    advert:
        "This week only: a balcony cabin for the price of an inside one on every 7-night Caribbean cruise.",
    products: &[("7-night Caribbean cruise", 129_900), ("3-night Bahamas cruise", 49_900)],
};

const FLIGHTS: ShopPage = ShopPage {
    url: "/flights",
    title: "Flights",
    skill: "flights",
    advert: "New York to Miami from $99, every day. Miami is where the cruises leave.",
    products: &[("New York - Miami, one way", 9_900), ("New York - San Juan, return", 34_900)],
};

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn render(p: &ShopPage) -> Html<String> {
    let products: String = p
        .products
        .iter()
        .map(|(name, cents)| {
            let name = escape(name);
            format!(
                "<li class=\"product\"><span>{name}</span> <span class=\"price\">${}.{:02}</span> \
                 <button class=\"add\" data-item=\"{name}\" data-cents=\"{cents}\">Add to cart</button></li>\n",
                cents / 100,
                cents % 100
            )
        })
        .collect();
    Html(
        SHOP.replace("{{URL}}", p.url)
            .replace("{{TITLE}}", &escape(p.title))
            .replace("{{SKILL}}", p.skill)
            .replace("{{ADVERT}}", &escape(p.advert))
            .replace("{{PRODUCTS}}", &products)
            .replace("{{CALL_BUTTON}}", CALL_BUTTON),
    )
}

pub(crate) async fn home() -> Html<String> {
    render(&HOME)
}

pub(crate) async fn cruises() -> Html<String> {
    render(&CRUISES)
}

pub(crate) async fn flights() -> Html<String> {
    render(&FLIGHTS)
}

pub(crate) async fn console() -> Html<&'static str> {
    Html(CONSOLE)
}

pub(crate) async fn network() -> Html<&'static str> {
    Html(NETWORK)
}

pub(crate) async fn asset(Path(file): Path<String>) -> Response {
    let (ty, body) = match file.as_str() {
        "style.css" => ("text/css; charset=utf-8", STYLE),
        "shop.js" => ("text/javascript; charset=utf-8", SHOP_JS),
        "console.js" => ("text/javascript; charset=utf-8", CONSOLE_JS),
        "network.js" => ("text/javascript; charset=utf-8", NETWORK_JS),
        _ => return (StatusCode::NOT_FOUND, "no such asset").into_response(),
    };
    ([(header::CONTENT_TYPE, ty), (header::CACHE_CONTROL, "no-cache")], body).into_response()
}
