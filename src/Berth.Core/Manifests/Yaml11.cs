using System.Globalization;
using System.Text;

namespace Berth.Core.Manifests;

/// <summary>
/// How Kubernetes' reader types a plain (unquoted) scalar: sigs.k8s.io/yaml decodes with go-yaml v2,
/// which resolves YAML 1.1 (resolve.go): y/yes/on and n/no/off are booleans, a leading 0 makes an
/// integer octal (<c>0644</c> is 420), 0x/0o/0b prefixes and '_' separators are allowed. When such
/// a value lands in a string field, sigs.k8s.io/yaml (convertToJSONableObject) writes it back as
/// text: an integer in decimal, a float with Go's <c>FormatFloat(v, 'g', -1, 32)</c>, a boolean as
/// "true"/"false". Quoted scalars are always strings and never pass through here.
/// </summary>
public static class Yaml11
{
    private static readonly HashSet<string> TrueLiterals = ["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"];
    private static readonly HashSet<string> FalseLiterals = ["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"];

    public static bool TryBool(string? text, out bool value)
    {
        value = TrueLiterals.Contains(text ?? "");
        return value || FalseLiterals.Contains(text ?? "");
    }

    /// <summary>go-yaml v2: '_' removed, then Go's ParseInt with base 0 (sign, 0x, 0o, 0b, leading-0 octal).</summary>
    public static bool TryInteger(string? text, out long value)
    {
        value = 0;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        var plain = text.Replace("_", "", StringComparison.Ordinal);
        var negative = plain.StartsWith('-');
        var digits = plain.TrimStart('-', '+');
        if (digits.Length == 0 || plain.Length - digits.Length > 1)
        {
            return false;
        }

        var (radix, body) = digits.Length > 1 && digits[0] == '0'
            ? char.ToLowerInvariant(digits[1]) switch
            {
                'x' => (16, digits[2..]),
                'o' => (8, digits[2..]),
                'b' => (2, digits[2..]),
                _ => (8, digits[1..]),
            }
            : (10, digits);
        if (body.Length == 0)
        {
            return false;
        }

        // Accumulated as a negative number so that long.MinValue fits.
        long result = 0;
        foreach (var c in body)
        {
            var digit = char.IsAsciiDigit(c) ? c - '0' : char.IsAsciiLetter(c) ? char.ToLowerInvariant(c) - 'a' + 10 : int.MaxValue;
            if (digit >= radix || result < (long.MinValue + digit) / radix)
            {
                return false;
            }

            result = (result * radix) - digit;
        }

        if (!negative && result == long.MinValue)
        {
            return false;
        }

        value = negative ? result : -result;
        return true;
    }

    /// <summary>go-yaml v2's float: <c>^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$</c> and .inf/.nan.</summary>
    public static bool TryFloat(string? text, out double value)
    {
        value = 0;
        switch (text)
        {
            case ".inf" or ".Inf" or ".INF" or "+.inf" or "+.Inf" or "+.INF":
                value = double.PositiveInfinity;
                return true;
            case "-.inf" or "-.Inf" or "-.INF":
                value = double.NegativeInfinity;
                return true;
            case ".nan" or ".NaN" or ".NAN":
                value = double.NaN;
                return true;
        }

        var plain = text?.Replace("_", "", StringComparison.Ordinal);
        return !string.IsNullOrEmpty(plain) && plain.Any(char.IsAsciiDigit) && plain.All(c => char.IsAsciiDigit(c) || c is '.' or 'e' or 'E' or '-' or '+')
            && double.TryParse(plain, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>The string a plain scalar becomes in a string field, as Kubernetes' reader gives it.</summary>
    public static string AsString(string text) =>
        TryBool(text, out var b) ? (b ? "true" : "false")
        : TryInteger(text, out var i) ? i.ToString(CultureInfo.InvariantCulture)
        : TryFloat(text, out var f) ? FormatFloat32(f)
        : text;

    /// <summary>Go's <c>strconv.FormatFloat(v, 'g', -1, 32)</c>: the shortest digits that read back
    /// as the same float32, in %e form when the decimal exponent is below -4 or at least 6 (Go's
    /// choice for the shortest format), else in %f form.</summary>
    public static string FormatFloat32(double value)
    {
        var f = (float)value;
        if (float.IsNaN(f))
        {
            return "NaN";
        }

        if (float.IsInfinity(f))
        {
            return f > 0 ? "+Inf" : "-Inf";
        }

        // .NET's "E8" is not the shortest: take the shortest round-trip text and read its digits.
        var shortest = f.ToString("R", CultureInfo.InvariantCulture);
        var negative = shortest.StartsWith('-');
        shortest = shortest.TrimStart('-');
        var e = shortest.IndexOfAny(['E', 'e']);
        var exponent = e >= 0 ? int.Parse(shortest[(e + 1)..], CultureInfo.InvariantCulture) : 0;
        var mantissa = e >= 0 ? shortest[..e] : shortest;
        var dot = mantissa.IndexOf('.');
        var point = (dot >= 0 ? dot : mantissa.Length) + exponent; // position of the decimal point in the digits
        var digits = mantissa.Replace(".", "", StringComparison.Ordinal);
        var trimmed = digits.TrimStart('0');
        point -= digits.Length - trimmed.Length;
        digits = trimmed.TrimEnd('0');
        if (digits.Length == 0)
        {
            return negative ? "-0" : "0";
        }

        var text = new StringBuilder(negative ? "-" : "");
        var exp = point - 1;
        if (exp < -4 || exp >= 6)
        {
            text.Append(digits[0]);
            if (digits.Length > 1)
            {
                text.Append('.').Append(digits, 1, digits.Length - 1);
            }

            text.Append('e').Append(exp < 0 ? '-' : '+').Append(Math.Abs(exp).ToString("00", CultureInfo.InvariantCulture));
        }
        else if (point <= 0)
        {
            text.Append("0.").Append('0', -point).Append(digits);
        }
        else if (point >= digits.Length)
        {
            text.Append(digits).Append('0', point - digits.Length);
        }
        else
        {
            text.Append(digits, 0, point).Append('.').Append(digits, point, digits.Length - point);
        }

        return text.ToString();
    }
}
