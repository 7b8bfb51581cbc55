using System.Text;

namespace Berth.Images.Registry;

/// <summary>
/// The parameters of a <c>WWW-Authenticate: Bearer realm="…",service="…",scope="…"</c> challenge and
/// the token request they describe (the distribution token authentication spec: GET realm with
/// service and scope as query parameters).
/// </summary>
internal static class BearerChallenge
{
    /// <summary>realm="…",service="…",scope="…" as RFC 7235 auth-params, quoted or not; names case-insensitive.</summary>
    public static Dictionary<string, string> Parameters(string text)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && (text[i] == ',' || char.IsWhiteSpace(text[i])))
            {
                i++;
            }

            var equals = text.IndexOf('=', i);
            if (equals < 0)
            {
                break;
            }

            var name = text[i..equals].Trim();
            i = equals + 1;
            var value = new StringBuilder();
            if (i < text.Length && text[i] == '"')
            {
                // A quoted-string: commas inside belong to the value, a backslash quotes the next character.
                i++;
                while (i < text.Length && text[i] != '"')
                {
                    if (text[i] == '\\' && i + 1 < text.Length)
                    {
                        i++;
                    }

                    value.Append(text[i++]);
                }

                i++;
            }
            else
            {
                while (i < text.Length && text[i] != ',')
                {
                    value.Append(text[i++]);
                }
            }

            result[name] = value.ToString().Trim();
        }

        return result;
    }

    /// <summary>
    /// The token request: the realm with service (when the challenge names one) and the challenge's
    /// scope, or pull access to <paramref name="remoteName"/> when it names none.
    /// </summary>
    public static Uri TokenUri(Uri realm, IReadOnlyDictionary<string, string> parameters, string remoteName)
    {
        var query = new StringBuilder();
        if (parameters.TryGetValue("service", out var service))
        {
            query.Append("service=").Append(Uri.EscapeDataString(service));
        }

        var scope = parameters.TryGetValue("scope", out var challengeScope) ? challengeScope : $"repository:{remoteName}:pull";
        query.Append(query.Length > 0 ? "&" : "").Append("scope=").Append(Uri.EscapeDataString(scope));
        return new UriBuilder(realm) { Query = query.ToString() }.Uri;
    }
}
