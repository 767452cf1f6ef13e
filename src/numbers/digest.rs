//! SHA-256 content hashes, as lower-case hex: the identity of a criteria
//! table, a journal line and a record. A pure function of bytes (FIPS 180-4,
//! by the `sha2` crate).

use sha2::Digest;

/// Hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn known_answers() {
        // FIPS 180-4 examples (NIST CSRC "SHA256.pdf"): "abc" and the empty message.
        assert_eq!(
            super::sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            super::sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
