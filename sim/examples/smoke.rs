//! Runs a scenario file with overrides and prints the summary (development aid).
fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().unwrap_or_default();
    let sets: Vec<(String, String)> =
        args.filter_map(|a| a.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned()))).collect();
    match ainsim_sim::Scenario::load(std::path::Path::new(&path), &sets) {
        Ok(sc) => match ainsim_sim::run(&sc, &mut |_, _| {}) {
            Ok(o) => print!("{}", ainsim_sim::report::text(&o.summary)),
            Err(e) => eprintln!("error: {e}"),
        },
        Err(e) => eprintln!("error: {e}"),
    }
}
