//! The vault's upload form as an island: without WASM a plain multipart form post; with it, a large photo is made
//! smaller on the phone first (a 12-megapixel photo becomes a few hundred KB: money and minutes on 2G) and a
//! progress bar follows the upload (XHR upload events: `fetch` has none). The server still checks every byte.
use leptos::prelude::*;

use super::MediaType;

/// The longest side, in pixels, of a photo made smaller on the phone.
pub const MAX_SIDE: u32 = 2000;
/// Photos up to this size (1.5 MB) are sent as they are.
pub const SHRINK_ABOVE_BYTES: f64 = 1_572_864.0;
/// The JPEG quality of a photo made smaller (0–1).
pub const JPEG_QUALITY: f64 = 0.85;

/// Whether a chosen file is a photo worth making smaller before it is sent: a JPEG, PNG or WebP (as the browser
/// names it) larger than [`SHRINK_ABOVE_BYTES`]. PDFs and small images go as they are.
pub fn worth_shrinking(media_type: &str, size: f64) -> bool {
    MediaType::parse_mime(media_type).is_some_and(MediaType::is_image) && size > SHRINK_ABOVE_BYTES
}

/// The size of the smaller copy: the longest side [`MAX_SIDE`], the proportions kept; never larger than the photo.
pub fn shrunk_size(width: u32, height: u32) -> (u32, u32) {
    let longest = width.max(height);
    if longest <= MAX_SIDE {
        return (width, height);
    }
    let scale = f64::from(MAX_SIDE) / f64::from(longest);
    let side = |n: u32| ((f64::from(n) * scale).round() as u32).max(1);
    (side(width), side(height))
}

/// The name of the smaller copy: the photo's name with `.jpg` in place of its extension.
pub fn jpeg_name(name: &str) -> String {
    let stem = name.rfind('.').map_or(name, |dot| &name[..dot]);
    let mut out = String::with_capacity(stem.len() + 4);
    out.push_str(stem);
    out.push('.');
    out.push_str(MediaType::Jpeg.extension());
    out
}

/// How much of the upload has been sent, in percent; None when the browser cannot tell.
pub fn percent(loaded: f64, total: f64) -> Option<u8> {
    if !loaded.is_finite() || !total.is_finite() || total <= 0.0 {
        return None;
    }
    Some((loaded / total * 100.0).round().clamp(0.0, 100.0) as u8)
}

/// Where a sending stands, as the progress bar shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Nothing sent (or the last try failed): the bar is hidden, the button enabled.
    Idle,
    /// The photo is being made smaller: the bar runs without a value.
    Shrinking,
    /// The file is on its way, with the share sent when the browser knows it.
    Sending(Option<u8>),
    /// Every byte is sent; the server's answer is awaited.
    Sent,
}

impl Stage {
    pub fn busy(self) -> bool {
        self != Stage::Idle
    }

    /// The bar's `value` (none: a bar without value, "working").
    pub fn value(self) -> Option<u8> {
        match self {
            Stage::Idle => Some(0),
            Stage::Shrinking => None,
            Stage::Sending(share) => share,
            Stage::Sent => Some(100),
        }
    }

    /// The bar's `data-state`, for tests and styles.
    pub fn name(self) -> &'static str {
        match self {
            Stage::Idle => "idle",
            Stage::Shrinking => "shrinking",
            Stage::Sending(_) => "sending",
            Stage::Sent => "done",
        }
    }
}

crate::web::island_words! {
    /// What the island says while it works, translated by the page.
    pub struct UploadTexts {
        pub shrinking,
        pub sending,
        /// The upload did not reach the server (network, abort): the form is as it was.
        pub failed,
        /// The photo could not be read to make it smaller: the file goes as it is, the server decides.
        pub not_shrunk,
        /// The progress bar's name.
        pub progress,
    }
}

/// The upload form (a new document, or a new version): its fields come as children, rendered by the page. With
/// WASM it takes over the submit when a file is chosen; without one (or with nothing chosen) the browser posts the
/// form itself and the server answers as always (303 back to the page, the outcome in the flash).
#[island]
pub fn UploadForm(
    /// Where the form posts (`/me/documents` or `/me/documents/{id}/versions`).
    action: String,
    submit_label: String,
    submit_class: String,
    texts: UploadTexts,
    children: Children,
) -> impl IntoView {
    let stage = RwSignal::new(Stage::Idle);
    let status = RwSignal::new(None::<String>);
    let progress_name = texts.progress.clone();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        #[cfg(feature = "hydrate")]
        browser::submit(ev, &texts, stage, status);
        #[cfg(not(feature = "hydrate"))]
        let _ = (ev, &texts);
    };
    view! {
        <form id="upload-form" method="post" action=action enctype="multipart/form-data" novalidate on:submit=on_submit>
            {children()}
            <progress
                id="upload-progress"
                class="meter"
                max="100"
                value=move || stage.get().value()
                hidden=move || !stage.get().busy()
                data-state=move || stage.get().name()
                aria-label=progress_name
                aria-describedby="upload-status"
            ></progress>
            <p class="upload-status" id="upload-status" role="status">{move || status.get()}</p>
            <button type="submit" class=submit_class disabled=move || stage.get().busy()>{submit_label}</button>
        </form>
    }
}

/// The browser side: the chosen file, the smaller copy, the XHR with its progress, and the page the server sends
/// back.
#[cfg(feature = "hydrate")]
mod browser {
    use leptos::prelude::*;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{
        Blob, CanvasRenderingContext2d, File, FormData, HtmlCanvasElement, HtmlDocument, HtmlFormElement,
        HtmlInputElement, ImageBitmap, ProgressEvent, SubmitEvent, XmlHttpRequest,
    };

    use super::{JPEG_QUALITY, Stage, UploadTexts, jpeg_name, percent, shrunk_size, worth_shrinking};

    /// Takes over the submit when a file is chosen; otherwise leaves it to the browser (the server then says
    /// what is missing).
    pub fn submit(ev: SubmitEvent, texts: &UploadTexts, stage: RwSignal<Stage>, status: RwSignal<Option<String>>) {
        if stage.try_get_untracked().is_some_and(Stage::busy) {
            // already on its way: a second press sends nothing twice
            ev.prevent_default();
            return;
        }
        let Some(form) = ev.target().and_then(|t| t.dyn_into::<HtmlFormElement>().ok()) else { return };
        let Some(file) = chosen(&form) else { return };
        ev.prevent_default();
        stage.set(Stage::Sending(Some(0)));
        status.set(Some(texts.sending.clone()));
        let texts = texts.clone();
        leptos::task::spawn_local(send(form, file, texts, stage, status));
    }

    /// The file to send: the camera's photo, else the chosen file (as the server reads them).
    fn chosen(form: &HtmlFormElement) -> Option<File> {
        ["input[name=\"photo\"]", "input[name=\"file\"]"].into_iter().find_map(|selector| {
            let input = form.query_selector(selector).ok()??.dyn_into::<HtmlInputElement>().ok()?;
            input.files()?.get(0)
        })
    }

    /// What became of the photo.
    enum Shrunk {
        Smaller(Blob),
        /// Not worth it (the copy would not be smaller), or the browser cannot: the photo goes as it is.
        AsItIs,
        /// The photo could not be read or drawn: it goes as it is, and the person is told.
        Unreadable,
    }

    async fn send(
        form: HtmlFormElement,
        file: File,
        texts: UploadTexts,
        stage: RwSignal<Stage>,
        status: RwSignal<Option<String>>,
    ) {
        let name = file.name();
        let mut upload: Blob = file.clone().into();
        let mut upload_name = name.clone();
        let mut said = String::new();
        if worth_shrinking(&file.type_(), file.size()) {
            stage.set(Stage::Shrinking);
            status.set(Some(texts.shrinking.clone()));
            match shrink(&file).await {
                Shrunk::Smaller(smaller) => {
                    upload = smaller;
                    upload_name = jpeg_name(&name);
                }
                Shrunk::AsItIs => {}
                Shrunk::Unreadable => {
                    said.push_str(&texts.not_shrunk);
                    said.push(' ');
                }
            }
        }
        said.push_str(&texts.sending);
        // the form's own fields, with the file (the smaller copy, or the original) as `file`
        let Ok(data) = FormData::new_with_form(&form) else { return post_plainly(&form) };
        data.delete("photo");
        data.delete("file");
        if data.set_with_blob_and_filename("file", &upload, &upload_name).is_err() {
            return post_plainly(&form);
        }
        let Ok(xhr) = XmlHttpRequest::new() else { return post_plainly(&form) };
        if xhr.open("POST", &form.action()).is_err() {
            return post_plainly(&form);
        }
        let on_progress = Closure::<dyn FnMut(ProgressEvent)>::new(move |e: ProgressEvent| {
            let share = if e.length_computable() { percent(e.loaded(), e.total()) } else { None };
            stage.set(Stage::Sending(share));
        });
        let on_sent = Closure::<dyn FnMut()>::new(move || stage.set(Stage::Sent));
        if let Ok(upload_events) = xhr.upload() {
            let _ = upload_events.add_event_listener_with_callback("progress", on_progress.as_ref().unchecked_ref());
            let _ = upload_events.add_event_listener_with_callback("load", on_sent.as_ref().unchecked_ref());
        }
        // `loadend` comes after the answer, a network error, an abort or a timeout alike
        let mut listening = false;
        let finished = js_sys::Promise::new(&mut |resolve, _reject| {
            listening = xhr.add_event_listener_with_callback("loadend", &resolve).is_ok();
        });
        if !listening {
            return post_plainly(&form);
        }
        stage.set(Stage::Sending(Some(0)));
        status.set(Some(said));
        if xhr.send_with_opt_form_data(Some(&data)).is_err() {
            return post_plainly(&form);
        }
        let _ = JsFuture::from(finished).await;
        // the listeners live until the XHR is over
        drop(on_progress);
        drop(on_sent);
        if !show_answer(&xhr) {
            // nothing came back that a browser could show: the form stays as it was, to try again
            stage.set(Stage::Idle);
            status.set(Some(texts.failed));
        }
    }

    /// The plain form post, when the browser will not let us send it ourselves (the original file, no progress).
    fn post_plainly(form: &HtmlFormElement) {
        let _ = form.submit();
    }

    /// The smaller JPEG of a large photo, or why there is none.
    async fn shrink(file: &File) -> Shrunk {
        let Some(window) = web_sys::window() else { return Shrunk::AsItIs };
        // an older browser without createImageBitmap sends the photo as it is
        if !js_sys::Reflect::has(&window, &JsValue::from_str("createImageBitmap")).unwrap_or(false) {
            return Shrunk::AsItIs;
        }
        let Ok(decoding) = window.create_image_bitmap_with_blob(file) else { return Shrunk::Unreadable };
        let Ok(bitmap) = JsFuture::from(decoding).await.and_then(|b| b.dyn_into::<ImageBitmap>()) else {
            return Shrunk::Unreadable;
        };
        let (width, height) = shrunk_size(bitmap.width(), bitmap.height());
        let encoded = encode(&bitmap, width, height).await;
        // a 12-megapixel photo holds ~48 MB decoded: give it back at once
        bitmap.close();
        match encoded {
            Some(smaller) if smaller.size() < file.size() => Shrunk::Smaller(smaller),
            Some(_) => Shrunk::AsItIs,
            None => Shrunk::Unreadable,
        }
    }

    /// The bitmap drawn at `width` × `height` and encoded as JPEG; None when the browser cannot.
    async fn encode(bitmap: &ImageBitmap, width: u32, height: u32) -> Option<Blob> {
        let document = web_sys::window()?.document()?;
        let canvas = document.create_element("canvas").ok()?.dyn_into::<HtmlCanvasElement>().ok()?;
        canvas.set_width(width);
        canvas.set_height(height);
        let context = canvas.get_context("2d").ok()??.dyn_into::<CanvasRenderingContext2d>().ok()?;
        context
            .draw_image_with_image_bitmap_and_dw_and_dh(bitmap, 0.0, 0.0, f64::from(width), f64::from(height))
            .ok()?;
        // toBlob calls back with the JPEG, or with null when it cannot encode
        let mut started = false;
        let encoding = js_sys::Promise::new(&mut |resolve, _reject| {
            started = canvas
                .to_blob_with_type_and_encoder_options(&resolve, "image/jpeg", &JsValue::from_f64(JPEG_QUALITY))
                .is_ok();
        });
        if !started {
            return None;
        }
        let blob = JsFuture::from(encoding).await.ok()?;
        // the canvas memory goes back at once (phones)
        canvas.set_width(0);
        canvas.set_height(0);
        blob.dyn_into::<Blob>().ok()
    }

    /// Shows the page the server answered with, as a plain form post would: the XHR followed the 303 to it, and
    /// that request already took the outcome from the flash (read once), so loading the address again would show
    /// the page without it. False when the answer is no page (the network failed, or an empty error).
    fn show_answer(xhr: &XmlHttpRequest) -> bool {
        if xhr.status().unwrap_or(0) == 0 {
            return false;
        }
        let is_page = xhr
            .get_response_header("content-type")
            .ok()
            .flatten()
            .is_some_and(|t| t.trim_start().to_ascii_lowercase().starts_with("text/html"));
        let Some(html) = xhr.response_text().ok().flatten().filter(|t| is_page && !t.is_empty()) else {
            return false;
        };
        let Some(window) = web_sys::window() else { return false };
        // the address the server sent the browser to (usually this very page)
        let url = xhr.response_url();
        let written = window
            .document()
            .and_then(|d| d.dyn_into::<HtmlDocument>().ok())
            .is_some_and(|document| write_page(&window, &document, &html, &url));
        // a browser that will not let the page be written loads it instead (without the notice, which that
        // request took; the page still shows what was stored), rather than offering to send it twice
        written || (!url.is_empty() && window.location().assign(&url).is_ok())
    }

    /// Replaces this page with `html`, at `url` (so that a reload shows that page), scrolled to the top where the
    /// notice is, as after a plain form post.
    fn write_page(window: &web_sys::Window, document: &HtmlDocument, html: &str, url: &str) -> bool {
        if !url.is_empty()
            && let Ok(history) = window.history()
        {
            let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(url));
        }
        if document.open().is_err() || document.write_1(html).is_err() {
            return false;
        }
        let _ = document.close();
        window.scroll_to_with_x_and_y(0.0, 0.0);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_large_photos_are_made_smaller() {
        assert!(worth_shrinking("image/jpeg", 3_000_000.0));
        assert!(worth_shrinking("image/png", 1_600_000.0));
        assert!(worth_shrinking("image/webp", 2_000_000.0));
        // 1.5 MB exactly, a small photo, a PDF, a file the browser cannot name: as they are
        assert!(!worth_shrinking("image/jpeg", 1_572_864.0));
        assert!(!worth_shrinking("image/jpeg", 300_000.0));
        assert!(!worth_shrinking("application/pdf", 5_000_000.0));
        assert!(!worth_shrinking("", 5_000_000.0));
        assert!(!worth_shrinking("image/gif", 5_000_000.0));
    }

    #[test]
    fn the_smaller_copy_keeps_the_proportions_with_the_longest_side_2000() {
        assert_eq!(shrunk_size(4000, 3000), (2000, 1500));
        assert_eq!(shrunk_size(3000, 2000), (2000, 1333));
        assert_eq!(shrunk_size(3024, 4032), (1500, 2000));
        assert_eq!(shrunk_size(1800, 1200), (1800, 1200));
        assert_eq!(shrunk_size(2000, 10), (2000, 10));
        assert_eq!(shrunk_size(100_000, 1), (2000, 1));
        assert_eq!(shrunk_size(0, 0), (0, 0));
    }

    #[test]
    fn the_smaller_copy_is_named_jpg() {
        assert_eq!(jpeg_name("anh-chup.png"), "anh-chup.jpg");
        assert_eq!(jpeg_name("Giấy khai sinh.JPEG"), "Giấy khai sinh.jpg");
        assert_eq!(jpeg_name("scan.2024.webp"), "scan.2024.jpg");
        assert_eq!(jpeg_name("photo"), "photo.jpg");
        assert_eq!(jpeg_name(""), ".jpg");
    }

    #[test]
    fn progress_is_a_percentage_only_when_the_total_is_known() {
        assert_eq!(percent(0.0, 1000.0), Some(0));
        assert_eq!(percent(333.0, 1000.0), Some(33));
        assert_eq!(percent(1000.0, 1000.0), Some(100));
        assert_eq!(percent(1200.0, 1000.0), Some(100));
        assert_eq!(percent(10.0, 0.0), None);
        assert_eq!(percent(f64::NAN, 10.0), None);
        assert_eq!(percent(10.0, f64::INFINITY), None);
    }

    #[test]
    fn the_bar_shows_only_while_sending_and_ends_full() {
        assert!(!Stage::Idle.busy());
        assert_eq!(Stage::Idle.value(), Some(0));
        assert_eq!(Stage::Shrinking.value(), None);
        assert_eq!(Stage::Sending(Some(42)).value(), Some(42));
        assert_eq!(Stage::Sent.value(), Some(100));
        assert_eq!(Stage::Sent.name(), "done");
        assert!(Stage::Sent.busy());
    }
}
