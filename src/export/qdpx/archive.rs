//! A zip writer whose memory does not grow with its entries: each entry is deflated as it is
//! written, its central-directory record goes to an unnamed temporary file, and the directory is
//! copied after the last entry. (The zip crate's writer keeps every entry's metadata until it
//! finishes, which for a project with a source per answer grows with the responses.)
//!
//! Entries given whole (`add`) are compressed first and written with their sizes. The entry
//! written as it is produced (`stream`) has a data descriptor after its data, as Go's and Java's
//! zip writers do: its local header has no sizes and no ZIP64 field, and the descriptor's sizes
//! are 8 bytes only if the entry outgrew 4 GiB. ZIP64 fields and end records are added where the
//! sizes, offsets or number of entries outgrow the classic format. Nothing needs `Seek`, so an
//! archive can be written straight into a download.

use std::fs::File;
use std::io::{self, BufWriter, Seek, Write};

use flate2::Compression;
use flate2::write::DeflateEncoder;
use time::OffsetDateTime;

/// Version 2.0 (deflate) is needed to extract; 4.5 once ZIP64 fields are used.
const VERSION: u16 = 20;
const VERSION_ZIP64: u16 = 45;
/// Made by Unix (3), so that the permissions below are read.
const MADE_BY_UNIX: u16 = 3 << 8;
/// A regular file, rw-r--r--.
const FILE_MODE: u32 = 0o100644 << 16;
/// General purpose flag 3: crc and sizes follow the data, in a data descriptor.
const DESCRIPTOR_FLAG: u16 = 1 << 3;
const DEFLATE: u16 = 8;
const U16_MAX: u64 = 0xFFFF;
const U32_MAX: u64 = 0xFFFF_FFFF;

/// Counts what passes through, for the entries' offsets.
struct Counted<W> {
    inner: W,
    written: u64,
}

impl<W: Write> Write for Counted<W> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(bytes)?;
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// An entry as the central directory records it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry<'a> {
    name: &'a str,
    flags: u16,
    crc: u32,
    compressed: u64,
    size: u64,
    offset: u64,
}

/// The central directory, as it is written aside.
struct Directory {
    records: BufWriter<File>,
    bytes: u64,
    entries: u64,
    /// MS-DOS time and date of every entry.
    time: u16,
    date: u16,
}

impl Directory {
    fn record(&mut self, entry: &Entry) -> io::Result<()> {
        let record = central_record(entry, self.time, self.date);
        self.records.write_all(&record)?;
        self.bytes += record.len() as u64;
        self.entries += 1;
        Ok(())
    }
}

/// A zip archive being written.
pub struct Archive<W: Write> {
    out: Counted<W>,
    directory: Directory,
    /// Compresses whole entries, reset between them rather than made anew (its state is large).
    encoder: DeflateEncoder<Vec<u8>>,
}

impl<W: Write> Archive<W> {
    /// An archive whose entries carry `modified` as their time (MS-DOS times start in 1980).
    pub fn new(out: W, modified: Option<OffsetDateTime>) -> io::Result<Self> {
        let (time, date) = modified.and_then(dos_time).unwrap_or((0, 1 << 5 | 1));
        Ok(Archive {
            out: Counted { inner: out, written: 0 },
            directory: Directory { records: BufWriter::new(tempfile::tempfile()?), bytes: 0, entries: 0, time, date },
            encoder: DeflateEncoder::new(Vec::new(), Compression::default()),
        })
    }

    /// Adds an entry holding `data`.
    pub fn add(&mut self, name: &str, data: &[u8]) -> io::Result<()> {
        self.encoder.write_all(data)?;
        let compressed = self.encoder.reset(Vec::new())?;
        let mut crc = flate2::Crc::new();
        crc.update(data);
        let entry = Entry {
            name,
            flags: 0,
            crc: crc.sum(),
            compressed: compressed.len() as u64,
            size: data.len() as u64,
            offset: self.out.written,
        };
        let (Ok(compressed_size), Ok(size)) = (u32::try_from(entry.compressed), u32::try_from(entry.size)) else {
            return Err(io::Error::other(format!("{name} is too large for a zip entry given whole")));
        };
        self.local_header(&entry, crc.sum(), compressed_size, size)?;
        self.out.write_all(&compressed)?;
        self.directory.record(&entry)
    }

    /// Starts an entry written as it is produced; finish it with `Stream::finish`.
    pub fn stream(&mut self, name: &str) -> io::Result<Stream<'_, W>> {
        let offset = self.out.written;
        let entry = Entry { name, flags: DESCRIPTOR_FLAG, crc: 0, compressed: 0, size: 0, offset };
        self.local_header(&entry, 0, 0, 0)?;
        Ok(Stream {
            name: name.to_string(),
            offset,
            data_start: self.out.written,
            crc: flate2::Crc::new(),
            size: 0,
            encoder: DeflateEncoder::new(&mut self.out, Compression::default()),
            directory: &mut self.directory,
        })
    }

    fn local_header(&mut self, entry: &Entry, crc: u32, compressed: u32, size: u32) -> io::Result<()> {
        let mut header = Vec::with_capacity(30 + entry.name.len());
        header.extend(0x0403_4b50_u32.to_le_bytes());
        header.extend(VERSION.to_le_bytes());
        header.extend(entry.flags.to_le_bytes());
        header.extend(DEFLATE.to_le_bytes());
        header.extend(self.directory.time.to_le_bytes());
        header.extend(self.directory.date.to_le_bytes());
        header.extend(crc.to_le_bytes());
        header.extend(compressed.to_le_bytes());
        header.extend(size.to_le_bytes());
        header.extend(name_length(entry.name)?.to_le_bytes());
        header.extend(0_u16.to_le_bytes());
        header.extend(entry.name.as_bytes());
        self.out.write_all(&header)
    }

    /// Writes the central directory and its end records, and returns the output, flushed.
    pub fn finish(self) -> io::Result<W> {
        let Archive { mut out, directory, .. } = self;
        let Directory { records, bytes, entries, .. } = directory;
        let offset = out.written;
        let mut records = records.into_inner().map_err(io::IntoInnerError::into_error)?;
        records.rewind()?;
        io::copy(&mut records, &mut out)?;
        let zip64 = entries >= U16_MAX || bytes >= U32_MAX || offset >= U32_MAX;
        let mut end = Vec::new();
        if zip64 {
            let record_at = out.written;
            end.extend(0x0606_4b50_u32.to_le_bytes());
            // The size of the rest of this record.
            end.extend(44_u64.to_le_bytes());
            end.extend((MADE_BY_UNIX | VERSION_ZIP64).to_le_bytes());
            end.extend(VERSION_ZIP64.to_le_bytes());
            end.extend([0; 8]); // this disk, the directory's disk
            end.extend(entries.to_le_bytes());
            end.extend(entries.to_le_bytes());
            end.extend(bytes.to_le_bytes());
            end.extend(offset.to_le_bytes());
            end.extend(0x0706_4b50_u32.to_le_bytes());
            end.extend(0_u32.to_le_bytes());
            end.extend(record_at.to_le_bytes());
            end.extend(1_u32.to_le_bytes()); // disks
        }
        // Past the classic fields' range, they say "see the ZIP64 record", as Go's writer does.
        let (entries, bytes, offset) = if zip64 { (U16_MAX, U32_MAX, U32_MAX) } else { (entries, bytes, offset) };
        end.extend(0x0605_4b50_u32.to_le_bytes());
        end.extend([0; 4]); // this disk, the directory's disk
        end.extend((entries as u16).to_le_bytes());
        end.extend((entries as u16).to_le_bytes());
        end.extend((bytes as u32).to_le_bytes());
        end.extend((offset as u32).to_le_bytes());
        end.extend(0_u16.to_le_bytes()); // no comment
        out.write_all(&end)?;
        out.flush()?;
        Ok(out.inner)
    }
}

/// An entry being written; `finish` it, or the archive misses it.
pub struct Stream<'a, W: Write> {
    name: String,
    offset: u64,
    data_start: u64,
    crc: flate2::Crc,
    size: u64,
    encoder: DeflateEncoder<&'a mut Counted<W>>,
    directory: &'a mut Directory,
}

impl<W: Write> Write for Stream<'_, W> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let n = self.encoder.write(bytes)?;
        self.crc.update(&bytes[..n]);
        self.size += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.encoder.flush()
    }
}

impl<W: Write> Stream<'_, W> {
    /// Ends the entry's data with its descriptor and records it.
    pub fn finish(self) -> io::Result<()> {
        let out = self.encoder.finish()?;
        let compressed = out.written - self.data_start;
        let (crc, size) = (self.crc.sum(), self.size);
        let mut descriptor = Vec::with_capacity(24);
        descriptor.extend(0x0807_4b50_u32.to_le_bytes());
        descriptor.extend(crc.to_le_bytes());
        if compressed >= U32_MAX || size >= U32_MAX {
            descriptor.extend(compressed.to_le_bytes());
            descriptor.extend(size.to_le_bytes());
        } else {
            descriptor.extend((compressed as u32).to_le_bytes());
            descriptor.extend((size as u32).to_le_bytes());
        }
        out.write_all(&descriptor)?;
        let entry = Entry { name: &self.name, flags: DESCRIPTOR_FLAG, crc, compressed, size, offset: self.offset };
        self.directory.record(&entry)
    }
}

fn name_length(name: &str) -> io::Result<u16> {
    u16::try_from(name.len()).map_err(|_| io::Error::other("a zip entry's name is too long"))
}

/// An entry's central-directory record, with a ZIP64 field for what outgrew 32 bits.
fn central_record(entry: &Entry, time: u16, date: u16) -> Vec<u8> {
    // The ZIP64 field holds, in this order, only the values whose classic field is all ones.
    let mut zip64 = Vec::new();
    let mut classic = |value: u64| {
        if value >= U32_MAX {
            zip64.extend(value.to_le_bytes());
            u32::MAX
        } else {
            value as u32
        }
    };
    let (size, compressed, offset) = (classic(entry.size), classic(entry.compressed), classic(entry.offset));
    let extra = if zip64.is_empty() {
        Vec::new()
    } else {
        [&1_u16.to_le_bytes()[..], &(zip64.len() as u16).to_le_bytes(), &zip64].concat()
    };
    let version = if extra.is_empty() { VERSION } else { VERSION_ZIP64 };
    let mut record = Vec::with_capacity(46 + entry.name.len() + extra.len());
    record.extend(0x0201_4b50_u32.to_le_bytes());
    record.extend((MADE_BY_UNIX | version).to_le_bytes());
    record.extend(version.to_le_bytes());
    record.extend(entry.flags.to_le_bytes());
    record.extend(DEFLATE.to_le_bytes());
    record.extend(time.to_le_bytes());
    record.extend(date.to_le_bytes());
    record.extend(entry.crc.to_le_bytes());
    record.extend(compressed.to_le_bytes());
    record.extend(size.to_le_bytes());
    // Checked when the local header was written.
    record.extend((entry.name.len() as u16).to_le_bytes());
    record.extend((extra.len() as u16).to_le_bytes());
    record.extend([0; 6]); // comment length, disk, internal attributes
    record.extend(FILE_MODE.to_le_bytes());
    record.extend(offset.to_le_bytes());
    record.extend(entry.name.as_bytes());
    record.extend(extra);
    record
}

/// A time as MS-DOS time and date, in UTC to two seconds; `None` outside 1980–2107.
fn dos_time(t: OffsetDateTime) -> Option<(u16, u16)> {
    let t = t.to_offset(time::UtcOffset::UTC);
    let year = u16::try_from(t.year() - 1980).ok().filter(|y| *y <= 127)?;
    let time = u16::from(t.hour()) << 11 | u16::from(t.minute()) << 5 | u16::from(t.second() / 2);
    let date = year << 9 | u16::from(u8::from(t.month())) << 5 | u16::from(t.day());
    Some((time, date))
}

#[cfg(test)]
mod tests {
    use std::io::{Cursor, Read};

    use super::*;

    fn read_back(bytes: Vec<u8>) -> Vec<(String, String, zip::DateTime)> {
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        (0..archive.len())
            .map(|i| {
                let mut entry = archive.by_index(i).unwrap();
                let mut text = String::new();
                entry.read_to_string(&mut text).unwrap();
                (entry.name().unwrap().to_string(), text, entry.last_modified().unwrap())
            })
            .collect()
    }

    #[test]
    fn whole_and_streamed_entries_read_back_with_their_time() {
        let modified = time::macros::datetime!(2026-03-04 05:06:08 +02:00);
        let mut zip = Archive::new(Vec::new(), Some(modified)).unwrap();
        let mut entry = zip.stream("project.qde").unwrap();
        for i in 0..2_000 {
            writeln!(entry, "<line n=\"{i}\"/>").unwrap();
        }
        entry.finish().unwrap();
        zip.add("sources/a.txt", "Cafe\u{301} 👩🏽‍🔬\r\n".as_bytes()).unwrap();
        zip.add("sources/empty.txt", b"").unwrap();
        let entries = read_back(zip.finish().unwrap());

        let names: Vec<&str> = entries.iter().map(|(n, _, _)| n.as_str()).collect();
        assert_eq!(names, ["project.qde", "sources/a.txt", "sources/empty.txt"]);
        assert_eq!(entries[0].1.lines().count(), 2_000);
        assert!(entries[0].1.ends_with("<line n=\"1999\"/>\n"));
        assert_eq!(entries[1].1, "Cafe\u{301} 👩🏽‍🔬\r\n");
        assert_eq!(entries[2].1, "");
        let stamp = entries[0].2;
        assert_eq!((stamp.year(), stamp.month(), stamp.day()), (2026, 3, 4));
        assert_eq!((stamp.hour(), stamp.minute(), stamp.second()), (3, 6, 8), "in UTC");
    }

    #[test]
    fn without_a_time_entries_carry_the_first_dos_date() {
        let mut zip = Archive::new(Vec::new(), None).unwrap();
        zip.add("a.txt", b"a").unwrap();
        let stamp = read_back(zip.finish().unwrap())[0].2;
        assert_eq!((stamp.year(), stamp.month(), stamp.day(), stamp.hour()), (1980, 1, 1, 0));
        assert_eq!(dos_time(time::macros::datetime!(1979-12-31 23:59 UTC)), None);
    }

    #[test]
    fn more_entries_than_the_classic_format_counts_get_zip64_end_records() {
        let mut zip = Archive::new(Vec::new(), None).unwrap();
        let count = 70_000;
        for i in 0..count {
            zip.add(&format!("{i}"), b"").unwrap();
        }
        let bytes = zip.finish().unwrap();
        let at = bytes.len() - 22;
        assert_eq!(bytes[at..at + 4], 0x0605_4b50_u32.to_le_bytes());
        assert_eq!(bytes[at + 8..at + 10], [0xFF, 0xFF], "the classic count says: see the ZIP64 record");
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        assert_eq!(archive.len(), count);
        assert_eq!(archive.by_index(count - 1).unwrap().name().unwrap(), "69999");
    }

    #[test]
    fn values_past_32_bits_move_to_the_zip64_field_in_order() {
        let entry = Entry { name: "big", flags: 0, crc: 7, compressed: 5 << 32, size: 6 << 32, offset: 12 };
        let record = central_record(&entry, 0, 0);
        assert_eq!(record[6..8], VERSION_ZIP64.to_le_bytes());
        assert_eq!(record[20..28], [0xFF; 8], "both sizes point to the ZIP64 field");
        assert_eq!(record[42..46], 12_u32.to_le_bytes(), "the offset fits");
        let extra = &record[46 + 3..];
        assert_eq!(extra[..4], [1, 0, 16, 0]);
        assert_eq!(extra[4..12], (6_u64 << 32).to_le_bytes(), "uncompressed size first");
        assert_eq!(extra[12..20], (5_u64 << 32).to_le_bytes());

        let small = Entry { compressed: 5, size: 6, ..entry };
        let record = central_record(&small, 0, 0);
        assert_eq!(record.len(), 46 + 3, "no ZIP64 field");
        assert_eq!(record[6..8], VERSION.to_le_bytes());
    }
}
