using System.Security.Cryptography;

namespace Berth.Runtime;

/// <summary>Sandbox and container ids: 64 lowercase hex characters, like containerd's and CRI-O's.</summary>
public static class Ids
{
    public static string New() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    /// <summary>Finds the one id among <paramref name="ids"/> that equals or starts with <paramref name="prefix"/>.</summary>
    public static string? Resolve(string prefix, IEnumerable<string> ids)
    {
        if (prefix.Length == 0)
        {
            return null;
        }

        var matches = ids.Where(id => id.StartsWith(prefix, StringComparison.Ordinal)).Take(2).ToList();
        return matches.Count == 1 ? matches[0] : matches.FirstOrDefault(id => id == prefix);
    }
}
