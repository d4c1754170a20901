//! Times in the researcher's time zone: stored as RFC 3339 UTC, shown and typed as local
//! date-times (the `datetime-local` input's `YYYY-MM-DDTHH:MM`) in the person's IANA zone.

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;

/// The zone named `name`, if the built-in time zone database knows it.
pub fn find(name: &str) -> Option<TimeZone> {
    if name == "UTC" {
        return Some(TimeZone::UTC);
    }
    TimeZone::get(name).ok()
}

/// Every zone name the database knows, sorted, for a picker.
pub fn names() -> Vec<String> {
    let mut names: Vec<String> = jiff::tz::db().available().map(|n| n.to_string()).collect();
    names.sort();
    names
}

/// A stored UTC time as a local date-time in `zone` (for a `datetime-local` field); a value that
/// is not RFC 3339 is shown as it is.
pub fn to_local(utc: &str, zone: &str) -> String {
    let (Ok(at), Some(tz)) = (utc.parse::<Timestamp>(), find(zone)) else { return utc.to_string() };
    at.to_zoned(tz).datetime().strftime("%Y-%m-%dT%H:%M").to_string()
}

/// A stored time for people to read, the one format of every page: "15 Jul 2026, 16:00 CEST",
/// the local date and time in `zone` with the zone's abbreviation. A date without a time (what an
/// anonymous survey keeps of a response) is shown as a date, "15 Jul 2026"; anything else as it is.
pub fn display(stored: &str, zone: &str) -> String {
    if let (Ok(at), Some(tz)) = (stored.parse::<Timestamp>(), find(zone)) {
        return at.to_zoned(tz).strftime("%-d %b %Y, %H:%M %Z").to_string();
    }
    match stored.parse::<jiff::civil::Date>() {
        Ok(date) if stored.len() == 10 => date.strftime("%-d %b %Y").to_string(),
        _ => stored.to_string(),
    }
}

/// A local date-time typed in `zone` as RFC 3339 UTC. A time that a clock change skips is
/// moved forward past the gap; one that occurs twice is taken at its first occurrence.
pub fn from_local(local: &str, zone: &str) -> Result<String, String> {
    let tz = find(zone).ok_or_else(|| format!("the time zone \"{zone}\" is unknown"))?;
    let text = local.trim();
    let civil: DateTime =
        text.parse().map_err(|_| format!("\"{text}\" is not a date and time such as 2026-03-01T09:00"))?;
    let zoned = civil.to_zoned(tz).map_err(|e| format!("\"{text}\": {e}"))?;
    Ok(zoned.timestamp().strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_round_trip_through_utc_across_daylight_saving() {
        // Madrid is UTC+1 in winter and UTC+2 in summer.
        assert_eq!(from_local("2026-01-15T09:00", "Europe/Madrid").unwrap(), "2026-01-15T08:00:00Z");
        assert_eq!(from_local("2026-07-15T09:00", "Europe/Madrid").unwrap(), "2026-07-15T07:00:00Z");
        assert_eq!(to_local("2026-07-15T07:00:00Z", "Europe/Madrid"), "2026-07-15T09:00");
        assert_eq!(to_local("2026-07-15T07:00:00Z", "UTC"), "2026-07-15T07:00");
        assert_eq!(display("2026-07-15T07:00:00Z", "Asia/Tokyo"), "15 Jul 2026, 16:00 JST");
    }

    #[test]
    fn every_stored_time_reads_the_same_way() {
        assert_eq!(display("2026-01-05T23:30:00Z", "Europe/Madrid"), "6 Jan 2026, 00:30 CET");
        assert_eq!(display("2026-01-05T23:30:00Z", "UTC"), "5 Jan 2026, 23:30 UTC");
        // Anonymous surveys keep dates only; what is not a time at all is shown as it is.
        assert_eq!(display("2026-01-05", "Europe/Madrid"), "5 Jan 2026");
        assert_eq!(display("undated", "UTC"), "undated");
        assert_eq!(display("", "UTC"), "");
    }

    #[test]
    fn unknown_zones_and_garbage_are_refused_with_a_reason() {
        assert!(from_local("2026-01-15T09:00", "Mars/Olympus").unwrap_err().contains("unknown"));
        assert!(from_local("next tuesday", "UTC").unwrap_err().contains("not a date"));
        assert!(names().iter().any(|n| n == "America/Sao_Paulo"));
    }
}
