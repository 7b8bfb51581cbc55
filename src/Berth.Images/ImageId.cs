namespace Berth.Images;

/// <summary>Image ids: the 64 lowercase hex digits of the config's sha256 digest, as docker prints them.</summary>
public static class ImageId
{
    public const int Length = 64;

    /// <summary>Shorter prefixes match too many images to be worth accepting, as in docker.</summary>
    public const int MinPrefixLength = 4;

    private const string DigestPrefix = "sha256:";

    public static bool IsFull(string text) => text.Length == Length && IsHex(text);

    /// <summary>
    /// The id or id prefix <paramref name="text"/> stands for, without an optional "sha256:";
    /// null when it cannot be one.
    /// </summary>
    public static string? AsPrefix(string text)
    {
        var hex = text.StartsWith(DigestPrefix, StringComparison.Ordinal) ? text[DigestPrefix.Length..] : text;
        return hex.Length is >= MinPrefixLength and <= Length && IsHex(hex) ? hex : null;
    }

    private static bool IsHex(string text) => text.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');
}
