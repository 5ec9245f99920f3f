//! Input decoding and structural bounds checks on DER before it reaches the
//! typed decoders.

use crate::failure::Failure;

/// Bounds on the shape of a DER tree, checked in one linear pass before the
/// typed decoders run. The typed decoders sort every `SET OF` on decode with
/// an insertion sort, so a SET with many elements would cost quadratic time:
/// the walk bounds the width of sets (and implicitly tagged sets) as well as
/// the total node count and depth.
pub(crate) struct Shape {
    pub nodes_max: usize,
    pub depth_max: usize,
    pub set_width_max: usize,
}

struct Tlv<'a> {
    tag: u8,
    header_len: usize,
    value: &'a [u8],
}

/// Reads one definite-length TLV at the start of `bytes`.
fn read_tlv(bytes: &[u8]) -> Result<Tlv<'_>, String> {
    let tag = *bytes.first().ok_or("unexpected end of data")?;
    if tag & 0x1f == 0x1f {
        return Err("high-tag-number form is not supported".into());
    }
    let first_len = *bytes.get(1).ok_or("unexpected end of data")?;
    let (len, header_len) = if first_len < 0x80 {
        (usize::from(first_len), 2)
    } else if first_len == 0x80 {
        return Err("indefinite length (BER) where DER is required".into());
    } else {
        let count = usize::from(first_len & 0x7f);
        if count > 4 {
            return Err("length field too long".into());
        }
        let len_bytes = bytes.get(2..2 + count).ok_or("unexpected end of data")?;
        let len = len_bytes
            .iter()
            .fold(0usize, |acc, byte| (acc << 8) | usize::from(*byte));
        (len, 2 + count)
    };
    let end = header_len.checked_add(len).ok_or("length overflow")?;
    let value = bytes.get(header_len..end).ok_or("length exceeds data")?;
    Ok(Tlv {
        tag,
        header_len,
        value,
    })
}

/// The first complete TLV of `bytes`, including its header (for example the
/// `tbsCertificate` inside a certificate's value).
pub(crate) fn first_inner_tlv(outer: &[u8]) -> Result<&[u8], String> {
    let tlv = read_tlv(outer)?;
    let inner = read_tlv(tlv.value)?;
    Ok(&tlv.value[..inner.header_len + inner.value.len()])
}

/// Walks the whole tree once, iteratively, and rejects it when it is wider,
/// deeper or larger than `shape` allows, or is not one complete TLV.
pub(crate) fn check_shape(bytes: &[u8], shape: &Shape) -> Result<(), String> {
    let top = read_tlv(bytes)?;
    if top.header_len + top.value.len() != bytes.len() {
        return Err("trailing data after the outer structure".into());
    }
    let mut nodes = 0usize;
    // A stack of (remaining bytes of a constructed value, depth).
    let mut stack: Vec<(&[u8], usize)> = vec![(bytes, 0)];
    while let Some((mut rest, depth)) = stack.pop() {
        if depth > shape.depth_max {
            return Err("nesting too deep".into());
        }
        while !rest.is_empty() {
            let tlv = read_tlv(rest)?;
            nodes += 1;
            if nodes > shape.nodes_max {
                return Err("too many ASN.1 nodes".into());
            }
            let constructed = tlv.tag & 0x20 != 0;
            if constructed {
                let is_set_like = tlv.tag == 0x31 || tlv.tag & 0xc0 == 0x80;
                if is_set_like {
                    let mut width = 0usize;
                    let mut inner = tlv.value;
                    while !inner.is_empty() {
                        let child = read_tlv(inner)?;
                        inner = &inner[child.header_len + child.value.len()..];
                        width += 1;
                        if width > shape.set_width_max {
                            return Err("a SET has too many elements".into());
                        }
                    }
                }
                stack.push((tlv.value, depth + 1));
            }
            rest = &rest[tlv.header_len + tlv.value.len()..];
        }
    }
    Ok(())
}

/// Accepts DER, PEM (any label) or base64 (as NCALayer returns it) and gives
/// the binary form. Returns `None` when the input is none of these.
pub(crate) fn to_binary(input: &[u8]) -> Option<Vec<u8>> {
    if input.first() == Some(&0x30) {
        return Some(input.to_vec());
    }
    let text = std::str::from_utf8(input).ok()?.trim();
    let body: String = if let Some(after_begin) = text.strip_prefix("-----BEGIN ") {
        let start = after_begin.find('\n')?;
        let body = &after_begin[start..];
        let end = body.find("-----END ")?;
        body[..end].to_string()
    } else {
        text.to_string()
    };
    let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.is_empty() {
        return None;
    }
    openssl::base64::decode_block(&compact).ok()
}

pub(crate) fn malformed(what: &str, detail: impl std::fmt::Display) -> Failure {
    Failure::Malformed(format!("{what}: {detail}"))
}

/// Converts an X.509 time to a timestamp.
pub(crate) fn timestamp(time: x509_cert::time::Time) -> jiff::Timestamp {
    let secs = i64::try_from(time.to_unix_duration().as_secs()).unwrap_or(i64::MAX);
    jiff::Timestamp::from_second(secs).unwrap_or(jiff::Timestamp::MAX)
}

/// Converts a timestamp to an X.509 time (UTCTime up to 2049, as RFC 5280
/// requires, GeneralizedTime after).
pub(crate) fn x509_time(at: jiff::Timestamp) -> Result<x509_cert::time::Time, der::Error> {
    let secs = u64::try_from(at.as_second()).map_err(|_| der::ErrorKind::DateTime)?;
    let datetime = der::DateTime::from_unix_duration(std::time::Duration::from_secs(secs))?;
    if datetime.year() < 2050 {
        Ok(x509_cert::time::Time::UtcTime(
            der::asn1::UtcTime::from_date_time(datetime)?,
        ))
    } else {
        Ok(x509_cert::time::Time::GeneralTime(
            der::asn1::GeneralizedTime::from_date_time(datetime),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHAPE: Shape = Shape {
        nodes_max: 100,
        depth_max: 4,
        set_width_max: 3,
    };

    #[test]
    fn shape_accepts_small_trees_and_rejects_wide_sets() {
        // SEQUENCE { SET { INTEGER 1, INTEGER 2 } }
        let ok = [0x30, 0x08, 0x31, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02];
        assert_eq!(check_shape(&ok, &SHAPE), Ok(()));
        let wide = [
            0x31, 0x0c, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02, 0x02, 0x01, 0x03, 0x02, 0x01, 0x04,
        ];
        assert_eq!(
            check_shape(&wide, &SHAPE),
            Err("a SET has too many elements".to_string())
        );
        let deep = [
            0x30, 0x0a, 0x30, 0x08, 0x30, 0x06, 0x30, 0x04, 0x30, 0x02, 0x30, 0x00,
        ];
        assert_eq!(
            check_shape(&deep, &SHAPE),
            Err("nesting too deep".to_string())
        );
        assert!(check_shape(&[0x30, 0x80, 0x00, 0x00], &SHAPE).is_err());
        assert!(check_shape(&[0x30, 0x05, 0x00], &SHAPE).is_err());
    }

    #[test]
    fn first_inner_tlv_slices_the_tbs() {
        let cert = [0x30, 0x07, 0x30, 0x02, 0x05, 0x00, 0x03, 0x01, 0x00];
        assert_eq!(first_inner_tlv(&cert), Ok(&cert[2..6]));
    }
}
