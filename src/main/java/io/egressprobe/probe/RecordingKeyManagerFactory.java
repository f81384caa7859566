package io.egressprobe.probe;

import io.netty.handler.ssl.util.SimpleKeyManagerFactory;
import java.net.Socket;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Map;
import javax.net.ssl.KeyManager;
import javax.net.ssl.ManagerFactoryParameters;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * The client's key manager, which also notes the engines whose server asked for a client certificate, the issuers it
 * named and whether one was chosen: the TLS engines call it only then. In TLS 1.3 a server refuses a client certificate only after the client's handshake has completed,
 * so whether it was asked for tells the prober to wait for that answer.
 */
final class RecordingKeyManagerFactory extends SimpleKeyManagerFactory {
    private final KeyManager[] managers;

    RecordingKeyManagerFactory(X509ExtendedKeyManager delegate, Map<SSLEngine, ClientCertificateRequest> asked) {
        this.managers = new KeyManager[] {new Recording(delegate, asked)};
    }

    @Override
    protected void engineInit(KeyStore keyStore, char[] password) { }

    @Override
    protected void engineInit(ManagerFactoryParameters parameters) { }

    @Override
    protected KeyManager[] engineGetKeyManagers() {
        return managers.clone();
    }

    private static final class Recording extends X509ExtendedKeyManager {
        private final X509ExtendedKeyManager delegate;
        private final Map<SSLEngine, ClientCertificateRequest> asked;

        Recording(X509ExtendedKeyManager delegate, Map<SSLEngine, ClientCertificateRequest> asked) {
            this.delegate = delegate;
            this.asked = asked;
        }

        @Override
        public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
            String alias = delegate.chooseEngineClientAlias(keyTypes, issuers, engine);
            if (engine != null) {
                asked.merge(engine, ClientCertificateRequest.of(issuers, alias != null), ClientCertificateRequest::and);
            }
            return alias;
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return delegate.getClientAliases(keyType, issuers);
        }

        @Override
        public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
            return delegate.chooseClientAlias(keyTypes, issuers, socket);
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return null;
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return delegate.getCertificateChain(alias);
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return delegate.getPrivateKey(alias);
        }
    }
}
