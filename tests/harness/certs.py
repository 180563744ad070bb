"""TLS material for the test control plane: a CA, the apiserver's serving cert and a service-account key."""

from __future__ import annotations

import datetime as dt
import ipaddress
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _pem_key(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def write_control_plane_certs(directory: Path) -> None:
    """Write ca.crt, apiserver.crt/.key (SANs 127.0.0.1 and localhost) and sa.key into `directory`."""
    now = dt.datetime.now(dt.UTC)
    validity = (now - dt.timedelta(minutes=5), now + dt.timedelta(days=2))

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(_name("promotion-board-test-ca"))
        .issuer_name(_name("promotion-board-test-ca"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(validity[0])
        .not_valid_after(validity[1])
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True
        )
        .sign(ca_key, hashes.SHA256())
    )

    server_key = ec.generate_private_key(ec.SECP256R1())
    server_cert = _server_cert(_name("kube-apiserver"), server_key, ca_cert, ca_key, validity)

    # Service-account tokens are signed with RSA (the apiserver's default for --service-account-key-file).
    sa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    (directory / "ca.crt").write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    (directory / "apiserver.crt").write_bytes(server_cert.public_bytes(serialization.Encoding.PEM))
    (directory / "apiserver.key").write_bytes(_pem_key(server_key))
    (directory / "sa.key").write_bytes(_pem_key(sa_key))
    # Kept so that the harness's other TLS servers (registry, Kargo's webhooks) chain to the same CA.
    (directory / "ca.key").write_bytes(_pem_key(ca_key))
    for key_file in ("apiserver.key", "sa.key", "ca.key"):
        (directory / key_file).chmod(0o600)


def issue_server_cert(ca_directory: Path, cert_file: Path, key_file: Path, common_name: str) -> None:
    """A serving certificate for 127.0.0.1/localhost signed by the CA in `ca_directory` (ca.crt + ca.key)."""
    ca_cert = x509.load_pem_x509_certificate((ca_directory / "ca.crt").read_bytes())
    ca_key = serialization.load_pem_private_key((ca_directory / "ca.key").read_bytes(), password=None)
    if not isinstance(ca_key, ec.EllipticCurvePrivateKey):
        raise TypeError(f"{ca_directory / 'ca.key'}: expected the harness's EC CA key")
    now = dt.datetime.now(dt.UTC)
    key = ec.generate_private_key(ec.SECP256R1())
    validity = (now - dt.timedelta(minutes=5), now + dt.timedelta(days=2))
    cert = _server_cert(_name(common_name), key, ca_cert, ca_key, validity)
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(_pem_key(key))
    key_file.chmod(0o600)


def _server_cert(
    subject: x509.Name,
    key: ec.EllipticCurvePrivateKey,
    ca_cert: x509.Certificate,
    ca_key: ec.EllipticCurvePrivateKey,
    validity: tuple[dt.datetime, dt.datetime],
) -> x509.Certificate:
    """A TLS server certificate for 127.0.0.1 and localhost, signed by the harness's CA."""
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(validity[0])
        .not_valid_after(validity[1])
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
