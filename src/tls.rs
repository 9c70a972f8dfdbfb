//! TLS for the one port: sgmock's own local CA and a server certificate for the names Alibaba's
//! clients call (generated at start, the CA kept beside `--state-file`), or the user's own
//! certificate. Clients default to HTTPS (the Tea SDKs, the aliyun CLI, and Terraform's rule
//! Modify/Revoke, which always use HTTPS: docs/reference/terraform.md §0.1 T3), so the listener
//! serves TLS and plain HTTP on the same address (`serve.rs` looks at each connection's first byte).
//!
//! The certificates pass strict X.509 verification as current clients apply it (Python 3.13+'s
//! `VERIFY_X509_STRICT`): the CA has a critical `basicConstraints`, key usages and a subject key
//! identifier; the server certificate has an authority key identifier, a subject key identifier,
//! `serverAuth` and a `digitalSignature` key usage.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose, SanType,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;

/// The CA's subject: the same every time, so a CA reloaded from disk signs under the same name.
const CA_NAME: &str = "sgmock local CA";

/// TLS, ready to accept: the acceptor, and the CA certificate clients should trust (none with the
/// user's own certificate).
pub struct Tls {
    pub acceptor: TlsAcceptor,
    pub ca_pem: Option<String>,
}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tls")
            .field("own_ca", &self.ca_pem.is_some())
            .finish()
    }
}

/// Where the CA lives beside a state file: `PATH.ca.pem` and `PATH.ca-key.pem`.
pub fn ca_paths(state_file: &Path) -> (PathBuf, PathBuf) {
    let with = |suffix: &str| {
        let mut p = state_file.as_os_str().to_owned();
        p.push(suffix);
        PathBuf::from(p)
    };
    (with(".ca.pem"), with(".ca-key.pem"))
}

/// The names the server certificate covers: loopback, every Alibaba Cloud API host (a wildcard
/// covers one label only, so the regional forms are listed for each region), and `extra`.
pub fn server_names(regions: &[&str], extra: &[String]) -> Vec<String> {
    let mut names: Vec<String> = ["localhost", "127.0.0.1", "::1", "*.aliyuncs.com"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    for r in regions {
        names.push(format!("*.{r}.aliyuncs.com"));
        names.push(format!("ecs-{r}.aliyuncs.com"));
    }
    for name in extra {
        if !names.contains(name) {
            names.push(name.clone());
        }
    }
    names
}

fn ca_params() -> Result<CertificateParams, TlsError> {
    let mut p = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, CA_NAME);
    dn.push(DnType::OrganizationName, "sgmock");
    p.distinguished_name = dn;
    p.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    p.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let now = time::OffsetDateTime::now_utc();
    p.not_before = now - time::Duration::days(1);
    p.not_after = now + time::Duration::days(3650);
    Ok(p)
}

/// Why TLS cannot be set up; each names the file or name at fault.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A step failed: reading or writing a file, making a key, signing a certificate.
    #[error("TLS: {what}: {source}")]
    Step {
        what: String,
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error(
        "TLS: the CA beside the state is half there ({} and {} must both exist or \
         neither); restore the missing one, or remove both to make a new CA",
        cert.display(),
        key.display()
    )]
    HalfCa { cert: PathBuf, key: PathBuf },
    #[error(
        "TLS: {0:?} is not a host name (letters, digits and '-' in dot-separated \
         labels, optionally starting with '*.') or an IP address"
    )]
    HostName(String),
    #[error("TLS: {} holds no certificate", .0.display())]
    NoCertificate(PathBuf),
}

fn tls_error(what: &str, e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> TlsError {
    TlsError::Step {
        what: what.to_string(),
        source: e.into(),
    }
}

/// The CA: loaded from `files` when they exist, else created (and written there when given).
fn load_or_create_ca(files: Option<&(PathBuf, PathBuf)>) -> Result<(String, KeyPair), TlsError> {
    if let Some((cert_path, key_path)) = files {
        match (cert_path.exists(), key_path.exists()) {
            (true, true) => {
                let cert = std::fs::read_to_string(cert_path)
                    .map_err(|e| tls_error(&format!("cannot read {}", cert_path.display()), e))?;
                let key_pem = std::fs::read_to_string(key_path)
                    .map_err(|e| tls_error(&format!("cannot read {}", key_path.display()), e))?;
                let key = KeyPair::from_pem(&key_pem)
                    .map_err(|e| tls_error(&format!("{} is not a key", key_path.display()), e))?;
                return Ok((cert, key));
            }
            (false, false) => {}
            _ => {
                return Err(TlsError::HalfCa {
                    cert: cert_path.clone(),
                    key: key_path.clone(),
                })
            }
        }
    }
    let key = KeyPair::generate().map_err(|e| tls_error("cannot make a key", e))?;
    let cert = ca_params()?
        .self_signed(&key)
        .map_err(|e| tls_error("cannot make the CA", e))?;
    let pem = cert.pem();
    if let Some((cert_path, key_path)) = files {
        write_private(key_path, &key.serialize_pem())?;
        std::fs::write(cert_path, &pem)
            .map_err(|e| tls_error(&format!("cannot write {}", cert_path.display()), e))?;
    }
    Ok((pem, key))
}

fn write_private(path: &Path, text: &str) -> Result<(), TlsError> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options
        .open(path)
        .map_err(|e| tls_error(&format!("cannot write {}", path.display()), e))?;
    f.write_all(text.as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(|e| tls_error(&format!("cannot write {}", path.display()), e))
}

/// sgmock's own CA (kept in `ca_files` when given) and a fresh server certificate for `names`.
pub fn own(names: &[String], ca_files: Option<&(PathBuf, PathBuf)>) -> Result<Tls, TlsError> {
    let (ca_pem, ca_key) = load_or_create_ca(ca_files)?;
    // The issuer: the same parameters under the same key sign with the same name and key id as the
    // CA certificate clients trust.
    let issuer = ca_params()?
        .self_signed(&ca_key)
        .map_err(|e| tls_error("cannot load the CA", e))?;
    let mut p = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, "sgmock");
    p.distinguished_name = dn;
    p.is_ca = IsCa::ExplicitNoCa;
    p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    p.use_authority_key_identifier_extension = true;
    for name in names {
        let san = match name.parse::<IpAddr>() {
            Ok(ip) => SanType::IpAddress(ip),
            Err(_) if !is_host_name(name) => return Err(TlsError::HostName(name.clone())),
            Err(_) => SanType::DnsName(
                name.clone()
                    .try_into()
                    .map_err(|e| tls_error(&format!("{name:?} is not a host name"), e))?,
            ),
        };
        p.subject_alt_names.push(san);
    }
    let now = time::OffsetDateTime::now_utc();
    p.not_before = now - time::Duration::days(1);
    p.not_after = now + time::Duration::days(397);
    let key = KeyPair::generate().map_err(|e| tls_error("cannot make a key", e))?;
    let cert = p
        .signed_by(&key, &issuer, &ca_key)
        .map_err(|e| tls_error("cannot sign the server certificate", e))?;
    let chain = vec![
        CertificateDer::from(cert.der().to_vec()),
        pem_certs(ca_pem.as_bytes(), "the CA")?
            .into_iter()
            .next()
            .ok_or_else(|| tls_error("the CA certificate", "it is empty"))?,
    ];
    let key = PrivateKeyDer::try_from(key.serialize_der())
        .map_err(|e| tls_error("cannot use the server key", e))?;
    Ok(Tls {
        acceptor: acceptor(chain, key)?,
        ca_pem: Some(ca_pem),
    })
}

/// A DNS name a certificate can hold: dot-separated labels of letters, digits and `-` (not at
/// either end), at most 63 bytes each and 253 in all; the first may be a lone `*`.
fn is_host_name(name: &str) -> bool {
    let rest = name.strip_prefix("*.").unwrap_or(name);
    !rest.is_empty()
        && name.len() <= 253
        && rest.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

fn pem_certs(pem: &[u8], what: &str) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    use rustls::pki_types::pem::PemObject;
    CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| tls_error(&format!("{what} is not PEM certificates"), e))
}

/// The user's own certificate chain and key (`--tls-cert`, `--tls-key`).
pub fn user(cert: &Path, key: &Path) -> Result<Tls, TlsError> {
    use rustls::pki_types::pem::PemObject;
    let chain_pem = std::fs::read(cert)
        .map_err(|e| tls_error(&format!("cannot read {}", cert.display()), e))?;
    let chain = pem_certs(&chain_pem, &cert.display().to_string())?;
    if chain.is_empty() {
        return Err(TlsError::NoCertificate(cert.to_path_buf()));
    }
    let key_pem =
        std::fs::read(key).map_err(|e| tls_error(&format!("cannot read {}", key.display()), e))?;
    let key = PrivateKeyDer::from_pem_slice(&key_pem)
        .map_err(|e| tls_error(&format!("{} holds no private key", key.display()), e))?;
    Ok(Tls {
        acceptor: acceptor(chain, key)?,
        ca_pem: None,
    })
}

fn acceptor(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<TlsAcceptor, TlsError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_error("protocol versions", e))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| tls_error("the certificate and key do not fit", e))?;
    // hyper serves HTTP/1.1 only.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cover_loopback_every_region_both_forms_and_extras_once() {
        let names = server_names(
            &["cn-hangzhou", "us-east-1"],
            &["localhost".into(), "my.test".into()],
        );
        assert_eq!(
            names,
            [
                "localhost",
                "127.0.0.1",
                "::1",
                "*.aliyuncs.com",
                "*.cn-hangzhou.aliyuncs.com",
                "ecs-cn-hangzhou.aliyuncs.com",
                "*.us-east-1.aliyuncs.com",
                "ecs-us-east-1.aliyuncs.com",
                "my.test",
            ]
        );
    }

    #[test]
    fn the_ca_lives_beside_the_state_file() {
        let (cert, key) = ca_paths(Path::new("/data/state.json"));
        assert_eq!(cert, Path::new("/data/state.json.ca.pem"));
        assert_eq!(key, Path::new("/data/state.json.ca-key.pem"));
    }

    #[test]
    fn a_name_that_is_neither_host_nor_address_is_refused_by_name() {
        let err = own(&["bad name!".into()], None)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("\"bad name!\" is not a host name"), "{err}");
        for good in ["a.test", "*.cn-hangzhou.aliyuncs.com", "localhost", "x-1.y"] {
            assert!(is_host_name(good), "{good}");
        }
        for bad in [
            "", "*.", "a..b", "-a.b", "a-.b", "a.*.b", "a b", "é.test", "*",
        ] {
            assert!(!is_host_name(bad), "{bad}");
        }
    }
}
