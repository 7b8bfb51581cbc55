using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Berth.Images.Registry;

/// <summary>
/// The TLS trust for registries: the system's roots, plus the certificate authorities of the
/// store's TrustedCaFiles for a registry whose chain ends at one of them.
/// </summary>
internal sealed class RegistryTrust
{
    private readonly X509Certificate2Collection _trusted = [];

    public RegistryTrust(IEnumerable<string> trustedCaFiles)
    {
        foreach (var file in trustedCaFiles)
        {
            _trusted.ImportFromPemFile(file);
        }
    }

    public SslClientAuthenticationOptions ClientOptions() => new() { RemoteCertificateValidationCallback = Validate };

    private bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        // Only an untrusted root can be fixed by the store's own authorities; a wrong name cannot.
        if (errors != SslPolicyErrors.RemoteCertificateChainErrors || certificate is null || _trusted.Count == 0)
        {
            return false;
        }

        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(_trusted);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
        {
            foreach (var element in chain.ChainElements)
            {
                custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        return custom.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
    }
}
