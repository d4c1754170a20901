//! SPSS's bytecode compression of the data (PSPP's "System File Format", "Data Record"): each
//! 8-byte value becomes one command byte — a small whole number as itself plus the bias, the
//! system-missing value, eight spaces — or is written whole after its block of eight commands.

use std::io::{self, Write};

/// The bias added to a whole number written as one command byte (the header says 100).
pub const BIAS: f64 = 100.0;
/// The system-missing value: the most negative finite double.
pub const SYSMIS: f64 = -f64::MAX;

const SPACES: u8 = 254;
const RAW: u8 = 253;
const MISSING: u8 = 255;

/// Writes compressed values: a block is eight commands, then the raw values they announce.
pub struct Compressor<W: Write> {
    out: W,
    commands: [u8; 8],
    count: usize,
    raw: Vec<u8>,
}

impl<W: Write> Compressor<W> {
    pub fn new(out: W) -> Self {
        Compressor { out, commands: [0; 8], count: 0, raw: Vec::with_capacity(64) }
    }

    pub fn number(&mut self, value: f64) -> io::Result<()> {
        if value == SYSMIS {
            return self.command(MISSING);
        }
        let biased = value + BIAS;
        if value.fract() == 0.0 && (1.0..=251.0).contains(&biased) {
            // Whole and in 1..=251 once biased: the command byte is the number itself.
            return self.command(biased as u8);
        }
        self.raw.extend_from_slice(&value.to_le_bytes());
        self.command(RAW)
    }

    /// Eight bytes of a string (already padded with spaces).
    pub fn chunk(&mut self, bytes: &[u8; 8]) -> io::Result<()> {
        if bytes == b"        " {
            return self.command(SPACES);
        }
        self.raw.extend_from_slice(bytes);
        self.command(RAW)
    }

    fn command(&mut self, command: u8) -> io::Result<()> {
        self.commands[self.count] = command;
        self.count += 1;
        if self.count == self.commands.len() { self.flush_block() } else { Ok(()) }
    }

    fn flush_block(&mut self) -> io::Result<()> {
        // Commands past the last value of a final, partial block are 0 (ignored by readers).
        self.commands[self.count..].fill(0);
        self.out.write_all(&self.commands)?;
        self.out.write_all(&self.raw)?;
        self.raw.clear();
        self.count = 0;
        Ok(())
    }

    /// Writes the last, partial block and hands back the writer.
    pub fn finish(mut self) -> io::Result<W> {
        if self.count > 0 {
            self.flush_block()?;
        }
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_become_command_bytes_or_raw_values_after_their_block() {
        let mut c = Compressor::new(Vec::new());
        c.number(1.0).unwrap();
        c.number(-99.0).unwrap();
        c.number(SYSMIS).unwrap();
        c.number(2.5).unwrap();
        c.chunk(b"        ").unwrap();
        c.chunk(b"abc     ").unwrap();
        c.number(151.0).unwrap();
        c.number(152.0).unwrap();
        c.number(0.0).unwrap();
        let out = c.finish().unwrap();
        let mut expected = vec![101, 1, 255, 253, 254, 253, 251, 253];
        expected.extend_from_slice(&2.5f64.to_le_bytes());
        expected.extend_from_slice(b"abc     ");
        expected.extend_from_slice(&152.0f64.to_le_bytes());
        expected.extend_from_slice(&[100, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(out, expected);
    }
}
