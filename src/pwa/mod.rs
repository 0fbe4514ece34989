//! Installable app: the service worker, generated per build from the hashed asset names so that one build's
//! HTML, CSS, JS and WASM are cached (and replaced) together.
use std::path::{Path, PathBuf};

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use leptos::config::LeptosOptions;

use crate::db::fnv1a_hex;
use crate::web::AppState;

const TEMPLATE: &str = include_str!("sw.js");

/// Pages and files the service worker stores at install, besides the build's stylesheet.
const SHELL_URLS: &[&str] = &["/offline", "/offline/qr", "/manifest.webmanifest", "/icons/icon-192.png"];

#[derive(Debug, Clone)]
pub struct ServiceWorker {
    pub build_id: String,
    pub precache: Vec<String>,
    pub script: String,
    /// The name of the staff build's WASM and JS files without `.js` / `.wasm` (`congdanso-staff.HASH`), when the
    /// hash file names one (`scripts/staff-wasm.sh`).
    pub staff_build: Option<String>,
}

impl ServiceWorker {
    /// Reads the build's asset names: from `hash.txt` beside the binary when files are hashed (as in release),
    /// otherwise from the site's package directory.
    pub fn for_build(options: &LeptosOptions) -> Result<Self, String> {
        let pkg = format!("/{}", options.site_pkg_dir.trim_matches('/'));
        let (fingerprint, assets, staff_build) = if options.hash_files {
            let path = hash_file_path(options)?;
            let text = std::fs::read_to_string(&path)
                .map_err(|e| format!("{}: {e} (build the site with `make build`)", path.display()))?;
            let mut assets = Vec::new();
            let mut staff = None;
            for (kind, hash) in text.lines().filter_map(|line| line.split_once(':')).map(|(k, v)| (k.trim(), v.trim())) {
                match kind {
                    "js" | "wasm" | "css" => assets.push(format!("{pkg}/{}.{hash}.{kind}", options.output_name)),
                    // the staff build of the WASM (scripts/staff-wasm.sh), named with its own hash
                    "staff" if !hash.is_empty() => staff = Some(format!("{}-staff.{hash}", options.output_name)),
                    _ => {}
                }
            }
            if assets.len() != 3 {
                return Err(format!("{}: expected js, wasm and css hashes", path.display()));
            }
            if staff.is_none() {
                tracing::warn!(file = %path.display(), "no staff build of the WASM: the counter's and the team's pages work as plain forms (run scripts/staff-wasm.sh)");
            }
            assets.extend(staff.iter().flat_map(|name| ["js", "wasm"].map(|kind| format!("{pkg}/{name}.{kind}"))));
            (text, assets, staff)
        } else {
            let dir = Path::new(options.site_root.as_ref()).join(options.site_pkg_dir.as_ref());
            let mut assets: Vec<String> = std::fs::read_dir(&dir)
                .map(|entries| {
                    entries
                        .filter_map(|e| e.ok())
                        .map(|e| e.file_name().to_string_lossy().into_owned())
                        .filter(|n| n.ends_with(".js") || n.ends_with(".wasm") || n.ends_with(".css"))
                        .map(|n| format!("{pkg}/{n}"))
                        .collect()
                })
                .unwrap_or_default();
            assets.sort();
            (assets.join("\n"), assets, None)
        };
        let build_id = fnv1a_hex(format!("{}\n{fingerprint}\n{TEMPLATE}", env!("CARGO_PKG_VERSION")).as_bytes());
        // The stylesheet is on every page; the JS and WASM only on pages with islands, so a first visit does not
        // fetch them: the worker keeps them when a page loads them, and fetches a new build's at install only for a
        // phone that had the previous one (it uses islands, perhaps offline).
        let (code, styles): (Vec<String>, Vec<String>) = assets.into_iter().partition(|a| !a.ends_with(".css"));
        let precache: Vec<String> = SHELL_URLS.iter().map(|s| (*s).to_owned()).chain(styles).collect();
        let list = serde_json::to_string(&precache).map_err(|e| e.to_string())?;
        let code_list = serde_json::to_string(&code).map_err(|e| e.to_string())?;
        let script = TEMPLATE
            .replace("__BUILD__", &build_id)
            .replace("__PRECACHE__", &list)
            .replace("__BROWSER_CODE__", &code_list);
        Ok(ServiceWorker { build_id, precache, script, staff_build })
    }
}

/// Where Leptos itself reads the hash file: beside the server binary.
fn hash_file_path(options: &LeptosOptions) -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot locate the server binary: {e}"))?;
    let dir = exe.parent().ok_or("the server binary has no directory")?;
    Ok(dir.join(options.hash_file.as_ref()))
}

/// `GET /sw.js`: never cached by HTTP, so a new deploy is picked up on the next visit.
pub async fn service_worker(State(state): State<AppState>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        state.service_worker.script.clone(),
    )
        .into_response()
}
