//! A minimal PNG encoder for drawn charts: 8-bit RGB, one zlib stream, no filtering.
//!
//! Enough for charts (large flat areas compress well without filters), with no image crate to
//! build: `flate2` and `crc32fast` are already built for Polars.
//!
//! # Limitations
//!
//! RGB only (no alpha, no palette), no interlacing, no metadata chunks.

use std::io::Write;

/// Why an image could not be encoded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PngError {
    /// The pixel buffer does not hold `width × height` RGB pixels.
    #[error("an image of {width}×{height} needs {expected} bytes of RGB pixels, got {got}")]
    WrongSize {
        /// The image's width in pixels.
        width: u32,
        /// The image's height in pixels.
        height: u32,
        /// `width × height × 3`.
        expected: usize,
        /// The buffer's length.
        got: usize,
    },
    /// The image is too large for one PNG chunk (4 GiB compressed).
    #[error("an image of {width}×{height} is too large to encode")]
    TooLarge {
        /// The image's width in pixels.
        width: u32,
        /// The image's height in pixels.
        height: u32,
    },
    /// Compressing the pixels failed.
    #[error("cannot compress the image: {0}")]
    Compress(#[from] std::io::Error),
}

/// `width` × `height` RGB pixels (row by row, three bytes each) as the bytes of a PNG file.
///
/// ```
/// use weir_core::catalog::files::plot::png::encode_rgb;
///
/// let png = encode_rgb(2, 1, &[255, 0, 0, 0, 0, 255]).unwrap();
/// assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
/// ```
pub fn encode_rgb(width: u32, height: u32, rgb: &[u8]) -> Result<Vec<u8>, PngError> {
    let row_bytes = width as usize * 3;
    let expected = row_bytes * height as usize;
    if rgb.len() != expected || width == 0 || height == 0 {
        return Err(PngError::WrongSize { width, height, expected, got: rgb.len() });
    }

    // Every scanline starts with its filter type; 0 means "none".
    let mut scanlines = Vec::with_capacity((row_bytes + 1) * height as usize);
    for row in rgb.chunks(row_bytes) {
        scanlines.push(0);
        scanlines.extend_from_slice(row);
    }
    let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    zlib.write_all(&scanlines)?;
    let compressed = zlib.finish()?;

    let mut header = Vec::with_capacity(13);
    header.extend_from_slice(&width.to_be_bytes());
    header.extend_from_slice(&height.to_be_bytes());
    // Bit depth 8, colour type 2 (RGB), deflate, adaptive filtering, no interlace.
    header.extend_from_slice(&[8, 2, 0, 0, 0]);

    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let too_large = |_| PngError::TooLarge { width, height };
    chunk(&mut png, *b"IHDR", &header).map_err(too_large)?;
    chunk(&mut png, *b"IDAT", &compressed).map_err(too_large)?;
    chunk(&mut png, *b"IEND", &[]).map_err(too_large)?;
    Ok(png)
}

/// Appends one PNG chunk: length, type, data, CRC-32 of type and data.
fn chunk(png: &mut Vec<u8>, kind: [u8; 4], data: &[u8]) -> Result<(), std::num::TryFromIntError> {
    let length = u32::try_from(data.len())?;
    png.extend_from_slice(&length.to_be_bytes());
    png.extend_from_slice(&kind);
    png.extend_from_slice(data);
    let mut crc = crc32fast::Hasher::new();
    crc.update(&kind);
    crc.update(data);
    png.extend_from_slice(&crc.finalize().to_be_bytes());
    Ok(())
}

#[cfg(test)]
pub(crate) mod decode {
    //! A strict reader of the PNGs [`encode_rgb`] writes, for tests: it checks the signature,
    //! every chunk's CRC and every filter byte, and returns the pixels.

    use std::io::Read;

    /// The width, height and RGB pixels of `png`.
    pub(crate) fn decode_rgb(png: &[u8]) -> (u32, u32, Vec<u8>) {
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
        let mut at = 8;
        let (mut width, mut height, mut idat, mut ended) = (0, 0, Vec::new(), false);
        while at < png.len() {
            let length = u32::from_be_bytes(png[at..at + 4].try_into().unwrap()) as usize;
            let kind = &png[at + 4..at + 8];
            let data = &png[at + 8..at + 8 + length];
            let stored =
                u32::from_be_bytes(png[at + 8 + length..at + 12 + length].try_into().unwrap());
            let mut crc = crc32fast::Hasher::new();
            crc.update(kind);
            crc.update(data);
            assert_eq!(crc.finalize(), stored, "CRC of chunk {}", String::from_utf8_lossy(kind));
            match kind {
                b"IHDR" => {
                    width = u32::from_be_bytes(data[0..4].try_into().unwrap());
                    height = u32::from_be_bytes(data[4..8].try_into().unwrap());
                    assert_eq!(&data[8..], &[8, 2, 0, 0, 0], "8-bit RGB, no interlace");
                }
                b"IDAT" => idat.extend_from_slice(data),
                b"IEND" => ended = true,
                other => panic!("unexpected chunk {}", String::from_utf8_lossy(other)),
            }
            at += 12 + length;
        }
        assert!(ended, "IEND chunk");
        let mut raw = Vec::new();
        flate2::read::ZlibDecoder::new(idat.as_slice()).read_to_end(&mut raw).unwrap();
        let row = width as usize * 3 + 1;
        assert_eq!(raw.len(), row * height as usize, "scanline bytes");
        let mut rgb = Vec::with_capacity(raw.len());
        for line in raw.chunks(row) {
            assert_eq!(line[0], 0, "filter type none");
            rgb.extend_from_slice(&line[1..]);
        }
        (width, height, rgb)
    }
}

#[cfg(test)]
mod tests {
    use super::decode::decode_rgb;
    use super::*;

    #[test]
    fn pixels_round_trip_and_the_iend_crc_is_the_specified_one() {
        let pixels = [255, 0, 0, 0, 0, 255, 1, 2, 3, 4, 5, 6];
        let png = encode_rgb(2, 2, &pixels).unwrap();
        // The CRC of an empty IEND chunk is fixed by the PNG specification: AE 42 60 82.
        assert_eq!(&png[png.len() - 4..], &[0xAE, 0x42, 0x60, 0x82]);
        assert_eq!(decode_rgb(&png), (2, 2, pixels.to_vec()));
    }

    #[test]
    fn a_buffer_of_the_wrong_size_is_refused() {
        let error = encode_rgb(2, 2, &[0; 5]).unwrap_err();
        assert_eq!(error.to_string(), "an image of 2×2 needs 12 bytes of RGB pixels, got 5");
    }
}
