//! The zip a project is written into, as it is produced: each entry deflated, its CRC and sizes
//! in a data descriptor after its data (so nothing is rewritten and the output needs no `Seek`),
//! and the directory at the end. The directory's records wait in a temporary file, not in
//! memory, so memory stays flat however many entries (one per text source) the zip has; ZIP64
//! records come only where a size, an offset or the number of entries needs them (APPNOTE 6.3).

use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, Write};

use crc32fast::Hasher;
use flate2::Compression;
use flate2::write::DeflateEncoder;
use time::OffsetDateTime;

/// Sizes, offsets and counts from here on need ZIP64 fields.
const OVER_32: u64 = 0xFFFF_FFFF;
const OVER_16: u64 = 0xFFFF;
/// Data descriptor, deflate, UTF-8 names.
const FLAGS: u16 = 0x0008 | 0x0800;
const DEFLATE: u16 = 8;
/// Version 2.0 of the format, or 4.5 with ZIP64; "made by" Unix, so that the permissions hold.
const VERSION: u16 = 20;
const VERSION_ZIP64: u16 = 45;
const UNIX: u16 = 3 << 8;
/// A regular file, rw-r--r--.
const FILE_MODE: u32 = 0o100_644 << 16;

/// A zip being written to `W`.
pub struct Archive<W: Write> {
    state: State<W>,
    /// The directory's records so far.
    directory: BufWriter<File>,
    directory_size: u64,
    entries: u64,
    /// MS-DOS time and date of every entry.
    time: (u16, u16),
}

enum State<W: Write> {
    Between(Counting<W>),
    InEntry(Box<DeflateEncoder<Counting<W>>>, Open),
    /// Only while moving from one to the other, or after a failure.
    Broken,
}

/// The entry being written.
struct Open {
    name: String,
    offset: u64,
    zip64: bool,
    crc: Hasher,
    size: u64,
}

impl<W: Write> Archive<W> {
    /// A zip whose entries carry `modified` (UTC, to two seconds, 1980–2107) as their time.
    pub fn new(out: W, modified: Option<OffsetDateTime>) -> io::Result<Archive<W>> {
        Ok(Archive {
            state: State::Between(Counting { inner: out, written: 0, failed: false }),
            directory: BufWriter::new(tempfile::tempfile()?),
            directory_size: 0,
            entries: 0,
            time: modified.and_then(dos_time).unwrap_or((0, 0x21)),
        })
    }

    /// Ends the entry being written, if any, and starts one called `name`. `zip64` announces
    /// sizes that may pass 4 GiB, which an entry written as it is produced must do before its data.
    pub fn start_entry(&mut self, name: &str, zip64: bool) -> io::Result<()> {
        self.finish_entry()?;
        let State::Between(mut out) = std::mem::replace(&mut self.state, State::Broken) else { return Err(broken()) };
        let offset = out.written;
        let extra: &[u8] = if zip64 { &[1, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0] } else { &[] };
        let unknown = if zip64 { u32::MAX } else { 0 };
        let mut header = Vec::with_capacity(30 + name.len() + extra.len());
        header.extend(0x0403_4b50u32.to_le_bytes());
        header.extend(if zip64 { VERSION_ZIP64 } else { VERSION }.to_le_bytes());
        header.extend(FLAGS.to_le_bytes());
        header.extend(DEFLATE.to_le_bytes());
        header.extend(self.time.0.to_le_bytes());
        header.extend(self.time.1.to_le_bytes());
        header.extend(0u32.to_le_bytes());
        header.extend(unknown.to_le_bytes());
        header.extend(unknown.to_le_bytes());
        header.extend(length16(name.len())?.to_le_bytes());
        header.extend(length16(extra.len())?.to_le_bytes());
        header.extend(name.as_bytes());
        header.extend(extra);
        out.write_all(&header)?;
        let open = Open { name: name.to_string(), offset, zip64, crc: Hasher::new(), size: 0 };
        self.state = State::InEntry(Box::new(DeflateEncoder::new(out, Compression::default())), open);
        Ok(())
    }

    /// Ends the entry being written: its data descriptor, and its record for the directory.
    fn finish_entry(&mut self) -> io::Result<()> {
        match std::mem::replace(&mut self.state, State::Broken) {
            State::Between(out) => {
                self.state = State::Between(out);
                Ok(())
            }
            State::Broken => Err(broken()),
            State::InEntry(encoder, open) => {
                let mut out = encoder.finish()?;
                let compressed =
                    out.written - open.offset - 30 - open.name.len() as u64 - if open.zip64 { 20 } else { 0 };
                let crc = open.crc.clone().finalize();
                if !open.zip64 && (compressed >= OVER_32 || open.size >= OVER_32) {
                    return Err(io::Error::other(format!("{} outgrew 4 GiB without ZIP64 sizes", open.name)));
                }
                let mut descriptor = Vec::with_capacity(24);
                descriptor.extend(0x0807_4b50u32.to_le_bytes());
                descriptor.extend(crc.to_le_bytes());
                if open.zip64 {
                    descriptor.extend(compressed.to_le_bytes());
                    descriptor.extend(open.size.to_le_bytes());
                } else {
                    descriptor.extend((compressed as u32).to_le_bytes());
                    descriptor.extend((open.size as u32).to_le_bytes());
                }
                out.write_all(&descriptor)?;
                self.state = State::Between(out);
                self.record(&open, crc, compressed)
            }
        }
    }

    /// The entry's record in the directory, with ZIP64 fields for what overflows 32 bits.
    fn record(&mut self, open: &Open, crc: u32, compressed: u64) -> io::Result<()> {
        let mut extra = Vec::new();
        let mut field = |value: u64| -> u32 {
            if value >= OVER_32 {
                extra.extend(value.to_le_bytes());
                u32::MAX
            } else {
                value as u32
            }
        };
        let (size, compressed, offset) = (field(open.size), field(compressed), field(open.offset));
        if !extra.is_empty() {
            let mut zip64 = vec![1, 0];
            zip64.extend(length16(extra.len())?.to_le_bytes());
            zip64.append(&mut extra);
            extra = zip64;
        }
        let version = if open.zip64 || !extra.is_empty() { VERSION_ZIP64 } else { VERSION };
        let mut record = Vec::with_capacity(46 + open.name.len() + extra.len());
        record.extend(0x0201_4b50u32.to_le_bytes());
        record.extend((UNIX | version).to_le_bytes());
        record.extend(version.to_le_bytes());
        record.extend(FLAGS.to_le_bytes());
        record.extend(DEFLATE.to_le_bytes());
        record.extend(self.time.0.to_le_bytes());
        record.extend(self.time.1.to_le_bytes());
        record.extend(crc.to_le_bytes());
        record.extend(compressed.to_le_bytes());
        record.extend(size.to_le_bytes());
        record.extend(length16(open.name.len())?.to_le_bytes());
        record.extend(length16(extra.len())?.to_le_bytes());
        // No comment, disk 0, no internal attributes.
        record.extend([0u8; 6]);
        record.extend(FILE_MODE.to_le_bytes());
        record.extend(offset.to_le_bytes());
        record.extend(open.name.as_bytes());
        record.extend(&extra);
        self.directory.write_all(&record)?;
        self.directory_size += record.len() as u64;
        self.entries += 1;
        Ok(())
    }

    /// Ends the last entry and writes the directory and its end records; returns the output.
    pub fn finish(mut self) -> io::Result<W> {
        self.finish_entry()?;
        let State::Between(mut out) = std::mem::replace(&mut self.state, State::Broken) else { return Err(broken()) };
        let start = out.written;
        let mut directory = self.directory.into_inner().map_err(io::IntoInnerError::into_error)?;
        directory.rewind()?;
        let copied = io::copy(&mut (&mut directory).take(self.directory_size), &mut out)?;
        if copied != self.directory_size {
            return Err(io::Error::other("the zip's directory was cut short"));
        }
        let (entries, size) = (self.entries, self.directory_size);
        let mut end = Vec::new();
        if entries >= OVER_16 || size >= OVER_32 || start >= OVER_32 {
            let record = out.written;
            end.extend(0x0606_4b50u32.to_le_bytes());
            end.extend(44u64.to_le_bytes());
            end.extend((UNIX | VERSION_ZIP64).to_le_bytes());
            end.extend(VERSION_ZIP64.to_le_bytes());
            end.extend([0u8; 8]);
            end.extend(entries.to_le_bytes());
            end.extend(entries.to_le_bytes());
            end.extend(size.to_le_bytes());
            end.extend(start.to_le_bytes());
            end.extend(0x0706_4b50u32.to_le_bytes());
            end.extend(0u32.to_le_bytes());
            end.extend(record.to_le_bytes());
            end.extend(1u32.to_le_bytes());
        }
        let entries16 = entries.min(OVER_16) as u16;
        end.extend(0x0605_4b50u32.to_le_bytes());
        end.extend([0u8; 4]);
        end.extend(entries16.to_le_bytes());
        end.extend(entries16.to_le_bytes());
        end.extend((size.min(OVER_32) as u32).to_le_bytes());
        end.extend((start.min(OVER_32) as u32).to_le_bytes());
        end.extend(0u16.to_le_bytes());
        out.write_all(&end)?;
        out.flush()?;
        Ok(out.inner)
    }
}

impl<W: Write> Write for Archive<W> {
    /// Writes into the entry being written; there must be one.
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let State::InEntry(encoder, open) = &mut self.state else { return Err(broken()) };
        let written = encoder.write(bytes)?;
        open.crc.update(&bytes[..written]);
        open.size += written as u64;
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.state {
            State::InEntry(encoder, _) => encoder.flush(),
            State::Between(out) => out.flush(),
            State::Broken => Err(broken()),
        }
    }
}

fn broken() -> io::Error {
    io::Error::other("the zip cannot go on after a failed write")
}

fn length16(length: usize) -> io::Result<u16> {
    u16::try_from(length).map_err(|_| io::Error::other("a zip entry's name is too long"))
}

/// A time as an MS-DOS (time, date) in UTC, to two seconds; `None` outside 1980–2107.
fn dos_time(t: OffsetDateTime) -> Option<(u16, u16)> {
    let t = t.to_offset(time::UtcOffset::UTC);
    let year = u16::try_from(t.year()).ok().filter(|y| (1980..=2107).contains(y))?;
    let time = (u16::from(t.hour()) << 11) | (u16::from(t.minute()) << 5) | (u16::from(t.second()) / 2);
    let date = ((year - 1980) << 9) | (u16::from(u8::from(t.month())) << 5) | u16::from(t.day());
    Some((time, date))
}

/// A writer that counts what passed through it: where each entry starts, and how long its
/// compressed data is. Once a write has failed it takes nothing more: the compressor, dropped
/// with the failed export, would otherwise still write the end of its data.
struct Counting<W> {
    inner: W,
    written: u64,
    failed: bool,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        if self.failed {
            return Err(broken());
        }
        let written = self.inner.write(bytes);
        match &written {
            Ok(n) => self.written += *n as u64,
            Err(err) if err.kind() != io::ErrorKind::Interrupted => self.failed = true,
            Err(_) => {}
        }
        written
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;

    fn zip(entries: &[(&str, &[u8], bool)]) -> Vec<u8> {
        let modified = OffsetDateTime::from_unix_timestamp(1_767_225_600).ok();
        let mut archive = Archive::new(Vec::new(), modified).unwrap();
        for (name, data, zip64) in entries {
            archive.start_entry(name, *zip64).unwrap();
            // In pieces, as the project is written.
            for piece in data.chunks(7) {
                archive.write_all(piece).unwrap();
            }
        }
        archive.finish().unwrap()
    }

    #[test]
    fn the_zip_crate_reads_back_every_entry_its_time_and_its_mode() {
        let big: Vec<u8> = (0..200_000u32).flat_map(|i| (i % 251).to_le_bytes()).collect();
        let entries: [(&str, &[u8], bool); 4] = [
            ("project.qde", b"<Project/>", true),
            ("sources/a.txt", "Zoë 👩🏽‍🔬\nline".as_bytes(), false),
            ("sources/empty.txt", b"", false),
            ("sources/big.bin", &big, false),
        ];
        let bytes = zip(&entries);
        let mut read = ::zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        assert_eq!(read.len(), 4);
        for (name, data, _) in entries {
            let mut entry = read.by_name(name).unwrap();
            let mut found = Vec::new();
            entry.read_to_end(&mut found).unwrap();
            assert_eq!(found, data, "{name}");
            assert_eq!(entry.unix_mode(), Some(0o100_644), "{name}");
            let time = entry.last_modified().unwrap();
            assert_eq!((time.year(), time.month(), time.day()), (2026, 1, 1), "{name}");
        }
    }

    #[test]
    fn sixty_five_thousand_five_hundred_and_thirty_five_entries_or_more_get_zip64_end_records() {
        let names: Vec<String> = (0..65_540).map(|i| format!("sources/{i}.txt")).collect();
        let entries: Vec<(&str, &[u8], bool)> = names.iter().map(|n| (n.as_str(), &b"x"[..], false)).collect();
        let bytes = zip(&entries);
        assert!(bytes.windows(4).any(|w| w == 0x0606_4b50u32.to_le_bytes()), "a ZIP64 end record");
        let mut read = ::zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        assert_eq!(read.len(), 65_540);
        let mut last = String::new();
        read.by_name("sources/65539.txt").unwrap().read_to_string(&mut last).unwrap();
        assert_eq!(last, "x");
    }

    #[test]
    fn nothing_after_a_failed_write_and_no_directory_without_finish() {
        let mut archive = Archive::new(Vec::new(), None).unwrap();
        archive.start_entry("a.txt", false).unwrap();
        archive.write_all(b"data").unwrap();
        archive.state = State::Broken;
        assert!(archive.write_all(b"more").is_err());
        assert!(archive.start_entry("b.txt", false).is_err());
    }
}
