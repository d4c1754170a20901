//! The real-browser harness: Debian's chromium driven through chromedriver (WebDriver) against a
//! `TestApp`. One browser runs at a time, since two cores do not carry more.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use tokio::sync::{Mutex, MutexGuard};

static ONE_BROWSER_AT_A_TIME: Mutex<()> = Mutex::const_new(());

/// Where Debian puts the browser and its driver (`apt-get install chromium chromium-driver`).
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
    _turn: MutexGuard<'static, ()>,
}

impl Browser {
    /// Starts headless chromium with a window of `width` × `height` CSS pixels.
    pub async fn start(width: u32, height: u32) -> Browser {
        let turn = ONE_BROWSER_AT_A_TIME.lock().await;
        assert!(
            std::path::Path::new(CHROMEDRIVER).exists() && std::path::Path::new(CHROMIUM).exists(),
            "browser tests need Debian's chromium and chromium-driver; .ci/test installs them"
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let profile = tempfile::tempdir().unwrap();
        let mut capabilities = serde_json::Map::new();
        let mut options = serde_json::json!({
            "binary": CHROMIUM,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-extensions",
                format!("--user-data-dir={}", profile.path().display()),
                format!("--window-size={width},{height}"),
            ]
        });
        // Chromium's windows are at least 500 pixels wide: a phone's narrower screen is emulated.
        if width < 500 {
            options["mobileEmulation"] =
                serde_json::json!({ "deviceMetrics": { "width": width, "height": height, "pixelRatio": 1.0 } });
        }
        capabilities.insert("goog:chromeOptions".into(), options);
        let url = format!("http://127.0.0.1:{port}");
        let mut last_error = String::new();
        for _ in 0..100 {
            match ClientBuilder::new(HttpConnector::new()).capabilities(capabilities.clone()).connect(&url).await {
                Ok(client) => return Browser { client, driver, _profile: profile, _turn: turn },
                Err(err) => last_error = err.to_string(),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("could not start a browser session: {last_error}");
    }

    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.expect("navigate");
    }

    pub async fn fill(&self, css: &str, text: &str) {
        let field = self.client.find(Locator::Css(css)).await.expect(css);
        field.clear().await.expect("clear");
        field.send_keys(text).await.expect("type");
    }

    pub async fn click(&self, css: &str) {
        self.client.find(Locator::Css(css)).await.expect(css).click().await.expect("click");
    }

    /// The text of the element at `css`. An element that goes stale because a click's navigation
    /// replaced the page between finding and reading it is looked up again on the new page.
    pub async fn text(&self, css: &str) -> String {
        let mut last_error = String::new();
        for _ in 0..50 {
            match self.client.find(Locator::Css(css)).await.expect(css).text().await {
                Ok(text) => return text,
                Err(err) => last_error = err.to_string(),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("text of {css}: {last_error}");
    }

    /// Waits (up to five seconds) until the element at `css` contains `needle`, and returns its
    /// text: for a form that posts and comes back to the same address, where the path alone
    /// cannot tell the new page from the old.
    pub async fn wait_for_text(&self, css: &str, needle: &str) -> String {
        let mut text = String::new();
        for _ in 0..50 {
            if let Ok(element) = self.client.find(Locator::Css(css)).await
                && let Ok(found) = element.text().await
            {
                text = found;
                if text.contains(needle) {
                    break;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        text
    }

    /// Runs `act`, then waits until another document has loaded; returns the path it is at. For a
    /// click or key that navigates, where the path alone may not change.
    pub async fn and_wait(&self, act: impl std::future::Future<Output = ()>) -> String {
        self.client.execute("window.__fieldwork_before = true; return true;", vec![]).await.expect("mark the page");
        act.await;
        for _ in 0..100 {
            let still = self.client.execute("return window.__fieldwork_before === true;", vec![]).await;
            if matches!(still, Ok(serde_json::Value::Bool(false))) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let ready = "return document.readyState === 'complete';";
        for _ in 0..100 {
            if matches!(self.client.execute(ready, vec![]).await, Ok(serde_json::Value::Bool(true))) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.current_path().await
    }

    /// Clicks the element at `css` and waits for the page the click leads to.
    pub async fn click_and_wait(&self, css: &str) -> String {
        self.and_wait(self.click(css)).await
    }

    /// Waits (up to five seconds) until the browser is at `path`, and says where it is.
    pub async fn wait_for_path(&self, path: &str) -> String {
        for _ in 0..50 {
            if self.current_path().await == path {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.current_path().await
    }

    pub async fn current_path(&self) -> String {
        self.client.current_url().await.expect("url").path().to_string()
    }

    /// Runs axe-core on the current page and returns the serious and critical WCAG 2.1 A/AA
    /// violations, each as "rule: description (n elements: selectors)".
    pub async fn serious_accessibility_violations(&self) -> Vec<String> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/axe/node_modules/axe-core/axe.min.js");
        let source = std::fs::read_to_string(&path)
            .unwrap_or_else(|_| panic!("{} is missing; .ci/test installs axe-core", path.display()));
        self.client.execute(&format!("{source}\nreturn true;"), vec![]).await.expect("inject axe-core");
        let script = r#"
            const done = arguments[arguments.length - 1];
            axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
               .then(r => done(JSON.stringify(r.violations)))
               .catch(e => done(JSON.stringify([{ id: 'axe-error', impact: 'critical', description: String(e), nodes: [] }])));
        "#;
        let result = self.client.execute_async(script, vec![]).await.expect("run axe-core");
        let violations: Vec<serde_json::Value> =
            serde_json::from_str(result.as_str().unwrap_or("[]")).expect("axe result");
        violations
            .into_iter()
            .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
            .map(|v| {
                let targets: Vec<String> =
                    v["nodes"].as_array().into_iter().flatten().map(|n| n["target"].to_string()).collect();
                format!("{}: {} ({} elements: {})", v["id"], v["description"], targets.len(), targets.join(", "))
            })
            .collect()
    }

    /// Presses keys on whatever has the focus, as a keyboard user does.
    pub async fn press(&self, keys: &str) {
        let active = self.client.active_element().await.expect("focused element");
        active.send_keys(keys).await.expect("keys");
    }

    /// The focused element's tag, type, id, name and value.
    pub async fn focused(&self) -> (String, String, String, String, String) {
        let script = "const e = document.activeElement; \
                      return [e.tagName.toLowerCase(), e.type || '', e.id || '', e.name || '', e.value || ''];";
        let value = self.client.execute(script, vec![]).await.expect("active element");
        let parts: Vec<String> =
            value.as_array().into_iter().flatten().map(|v| v.as_str().unwrap_or("").to_string()).collect();
        (parts[0].clone(), parts[1].clone(), parts[2].clone(), parts[3].clone(), parts[4].clone())
    }

    /// Saves a screenshot for a person to look at (under target/screenshots/).
    pub async fn screenshot(&self, name: &str) {
        if let Ok(png) = self.client.screenshot().await {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
            let _ = std::fs::create_dir_all(&dir);
            let _ = std::fs::write(dir.join(format!("{name}.png")), png);
        }
    }

    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
    }
}
