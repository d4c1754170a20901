//! A person signed in to the server under test, with their own cookies: a coder opening answers
//! and saving codes, or the researcher assigning them.

use std::path::Path;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use reqwest::redirect::Policy;

use crate::fill;
use crate::stats::Latencies;

/// Codes the coders apply, in turn (none in a category that allows one code at most).
const CODES: [&str; 4] = ["MOT_ACCESS", "MOT_LANGUAGE", "MOT_OPEN_SCIENCE", "MOT_TECH_ADVANCE"];

pub struct Coder {
    client: reqwest::Client,
    base: String,
    pub id: i64,
    codebook: i64,
    token: String,
}

/// The value of the first `name="…" value="…"` hidden field.
fn hidden(html: &str, name: &str) -> Option<String> {
    let at = html.find(&format!("name=\"{name}\" value=\""))? + name.len() + 15;
    Some(html[at..].split('"').next()?.to_string())
}

/// An address as minijinja escaped it in a page.
fn unescape(href: &str) -> String {
    href.replace("&#x2f;", "/").replace("&amp;", "&").replace("&#x3d;", "=")
}

impl Coder {
    /// Signs in as `email` (who must exist with the benchmark's password).
    pub async fn log_in(base: &str, email: &str, codebook: i64, db: &Path) -> Result<Coder, String> {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .build()
            .map_err(|e| e.to_string())?;
        let e = |e: reqwest::Error| e.to_string();
        let login = client.get(format!("{base}/login")).send().await.map_err(e)?.text().await.map_err(e)?;
        let token = hidden(&login, "csrf_token").ok_or("no token on the login page")?;
        let form = [("csrf_token", token.as_str()), ("email", email), ("password", fill::PASSWORD)];
        let signed = client.post(format!("{base}/login")).form(&form).send().await.map_err(e)?;
        if signed.status() != StatusCode::SEE_OTHER {
            return Err(format!("{email} could not sign in: {}", signed.status()));
        }
        let page = client.get(format!("{base}/account/password")).send().await.map_err(e)?.text().await.map_err(e)?;
        let token = hidden(&page, "csrf_token").ok_or("no token once signed in")?;
        let conn = fieldwork::db::open(db).map_err(|e| e.to_string())?;
        let id = conn
            .query_row("SELECT id FROM users WHERE email = ?1", [email], |r| r.get(0))
            .map_err(|e| e.to_string())?;
        Ok(Coder { client, base: base.to_string(), id, codebook, token })
    }

    /// Shares the answers out among `coders`, 20% of them to two coders.
    pub async fn assign(&self, coders: &[i64]) -> Result<(), String> {
        let ids: Vec<String> = coders.iter().map(i64::to_string).collect();
        let mut form: Vec<(&str, &str)> = vec![("csrf_token", &self.token)];
        form.extend(ids.iter().map(|id| ("coder", id.as_str())));
        form.extend([("double_percent", "20"), ("coders_per_double", "2"), ("seed", "2026")]);
        let url = format!("{}/codebooks/{}/assign", self.base, self.codebook);
        let response = self.client.post(url).form(&form).send().await.map_err(|e| e.to_string())?;
        if response.status() != StatusCode::SEE_OTHER {
            return Err(format!("assignment refused: {}", response.status()));
        }
        Ok(())
    }

    /// Whether the newest assignment has been written in full.
    pub fn assignment_finished(&self, db: &Path) -> Result<bool, String> {
        let conn = fieldwork::db::open(db).map_err(|e| e.to_string())?;
        conn.query_row(
            "SELECT finished_at IS NOT NULL FROM assignment_runs WHERE codebook_id = ?1 ORDER BY id DESC LIMIT 1",
            [self.codebook],
            |r| r.get(0),
        )
        .map_err(|e| e.to_string())
    }

    async fn get(&self, path: &str) -> Result<String, String> {
        let response = self.client.get(format!("{}{path}", self.base)).send().await.map_err(|e| e.to_string())?;
        if response.status() != StatusCode::OK {
            return Err(format!("GET {path}: {}", response.status()));
        }
        response.text().await.map_err(|e| e.to_string())
    }

    /// GETs a page; how long it took.
    pub async fn get_timed(&self, path: &str) -> Result<Duration, String> {
        let started = Instant::now();
        self.get(path).await?;
        Ok(started.elapsed())
    }

    /// The answers listed on a page of the queue.
    pub async fn queue_units(&self, path: &str) -> Result<Vec<String>, String> {
        let html = self.get(path).await?;
        let units: Vec<String> =
            html.split("<tr><td><a href=\"").skip(1).filter_map(|row| row.split('"').next()).map(unescape).collect();
        if units.is_empty() { Err("an empty queue".into()) } else { Ok(units) }
    }

    /// A page of the queue some pages in (as far as there are pages).
    pub async fn later_queue_page(&self, first: &str) -> Result<String, String> {
        let mut path = first.to_string();
        for _ in 0..5 {
            let html = self.get(&path).await?;
            match html.split("\" rel=\"next\"").next().filter(|b| b.len() < html.len()) {
                Some(before) => path = unescape(before.rsplit("href=\"").next().unwrap_or_default()),
                None => break,
            }
        }
        Ok(path)
    }

    /// Saves a code on the answer at `unit` with `action` (`apply`: stay; `done`: then the next
    /// answer not done); how long it took, and where it led.
    pub async fn save(&self, unit: &str, turn: usize, action: &str) -> Result<(Duration, Option<String>), String> {
        let unit = unit.split('?').next().unwrap_or(unit);
        let form = [("csrf_token", self.token.as_str()), ("code", CODES[turn % CODES.len()]), ("action", action)];
        let started = Instant::now();
        let response =
            self.client.post(format!("{}{unit}", self.base)).form(&form).send().await.map_err(|e| e.to_string())?;
        let took = started.elapsed();
        if response.status() != StatusCode::SEE_OTHER {
            return Err(format!("POST {unit}: {}", response.status()));
        }
        let location = response.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default();
        let next = Some(location.to_string()).filter(|l| l.contains("/code/"));
        Ok((took, next))
    }

    /// Codes until `deadline`: save the answer Done and go on to the next one not done, opening
    /// its page first when `pages`. Returns the codings saved and the latency of every request.
    pub async fn code_until(&self, deadline: Instant, pages: bool) -> Result<(usize, Latencies), String> {
        let queue = format!("/codebooks/{}/code", self.codebook);
        let mut at = self.queue_units(&queue).await?.into_iter().next().ok_or("no answer to code")?;
        let (mut codings, mut latencies) = (0, Latencies::default());
        while Instant::now() < deadline {
            if pages {
                latencies.push(self.get_timed(&at).await?);
            }
            let (took, next) = self.save(&at, codings, "done").await?;
            latencies.push(took);
            codings += 1;
            match next {
                Some(next) => at = next,
                None => break,
            }
        }
        Ok((codings, latencies))
    }
}
