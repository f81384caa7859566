package io.egressprobe.pki;

/** The two key types TLS servers commonly present. */
public enum KeyType {
    EC_P256("EC", "SHA256withECDSA", "1.2.840.10045.4.3.2", false),
    RSA_2048("RSA", "SHA256withRSA", "1.2.840.113549.1.1.11", true);

    final String algorithm;
    final String signatureAlgorithm;
    final String signatureOid;
    final boolean signatureParamsNull;

    KeyType(String algorithm, String signatureAlgorithm, String signatureOid, boolean signatureParamsNull) {
        this.algorithm = algorithm;
        this.signatureAlgorithm = signatureAlgorithm;
        this.signatureOid = signatureOid;
        this.signatureParamsNull = signatureParamsNull;
    }
}
