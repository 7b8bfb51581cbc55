using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace Berth.Images;

/// <summary>
/// A content digest, "sha256:&lt;64 hex&gt;" (or sha512): the name of a blob in a registry, an
/// OCI layout and this store. Only the algorithms the OCI image spec registers are accepted, so
/// every digest can be verified.
/// </summary>
public sealed record Digest
{
    public const string Sha256 = "sha256";
    public const string Sha512 = "sha512";

    private Digest(string algorithm, string encoded)
    {
        Algorithm = algorithm;
        Encoded = encoded;
    }

    public string Algorithm { get; }

    /// <summary>The lowercase hex part after the colon.</summary>
    public string Encoded { get; }

    /// <exception cref="FormatException">Not "sha256:" with 64 or "sha512:" with 128 lowercase hex digits.</exception>
    public static Digest Parse(string text) =>
        TryParse(text, out var digest) ? digest : throw new FormatException($"invalid digest \"{text}\": expected sha256:<64 hex digits> or sha512:<128 hex digits>");

    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out Digest? digest)
    {
        digest = null;
        var colon = text?.IndexOf(':') ?? -1;
        if (text is null || colon < 0)
        {
            return false;
        }

        var algorithm = text[..colon];
        var encoded = text[(colon + 1)..];
        var length = algorithm switch
        {
            Sha256 => 64,
            Sha512 => 128,
            _ => -1,
        };
        if (encoded.Length != length || !encoded.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f'))
        {
            return false;
        }

        digest = new Digest(algorithm, encoded);
        return true;
    }

    public static Digest FromSha256(ReadOnlySpan<byte> hash) => new(Sha256, Convert.ToHexStringLower(hash));

    public static Digest Of(ReadOnlySpan<byte> content) => FromSha256(SHA256.HashData(content));

    /// <summary>A hash to feed while reading or writing the content this digest names.</summary>
    public IncrementalHash NewHash() => IncrementalHash.CreateHash(Algorithm == Sha512 ? HashAlgorithmName.SHA512 : HashAlgorithmName.SHA256);

    /// <summary>The digest of the same algorithm over what <paramref name="hash"/> has seen.</summary>
    public Digest Finish(IncrementalHash hash) => new(Algorithm, Convert.ToHexStringLower(hash.GetHashAndReset()));

    public override string ToString() => $"{Algorithm}:{Encoded}";
}
