//! The class of a respondent's device, from the browser's User-Agent header. Only the class is
//! kept, never the header itself (which, with the address, can single a person out).

/// Phone, tablet or desktop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Device {
    Phone,
    Tablet,
    Desktop,
}

impl Device {
    pub fn as_str(self) -> &'static str {
        match self {
            Device::Phone => "phone",
            Device::Tablet => "tablet",
            Device::Desktop => "desktop",
        }
    }

    /// The class a User-Agent header names, None when there is none. Tablets say so ("iPad",
    /// "Tablet") or are Android without "Mobile"; phones say "Mobi", "iPhone" or "Android"; the
    /// rest are desktops (iPads since iPadOS 13 present themselves as Macs, and count as such).
    pub fn of(user_agent: &str) -> Option<Device> {
        let has = |word: &str| user_agent.contains(word);
        if user_agent.trim().is_empty() {
            return None;
        }
        Some(if has("iPad") || has("Tablet") || has("Kindle") || has("Silk/") || (has("Android") && !has("Mobile")) {
            Device::Tablet
        } else if has("Mobi") || has("iPhone") || has("iPod") || has("Android") || has("Windows Phone") {
            Device::Phone
        } else {
            Device::Desktop
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_browsers_are_classed_by_device() {
        let cases = [
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
                Some(Device::Phone),
            ),
            (
                "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/124.0 Mobile Safari/537.36",
                Some(Device::Phone),
            ),
            ("Mozilla/5.0 (iPad; CPU OS 16_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148", Some(Device::Tablet)),
            (
                "Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 Chrome/124.0 Safari/537.36",
                Some(Device::Tablet),
            ),
            ("Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0", Some(Device::Desktop)),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/124.0 Safari/537.36",
                Some(Device::Desktop),
            ),
            ("", None),
        ];
        for (agent, expected) in cases {
            assert_eq!(Device::of(agent), expected, "{agent}");
        }
    }
}
