using System.Globalization;
using System.Text.RegularExpressions;

namespace Berth.Core.Manifests;

/// <summary>
/// A Kubernetes resource quantity ("100m", "1.5Gi", "1e3"), parsed exactly.
/// Grammar from k8s.io/apimachinery/pkg/api/resource/quantity.go:
/// a signed decimal number followed by one suffix: binary (Ki Mi Gi Ti Pi Ei), decimal SI
/// (n u m "" k M G T P E) or a decimal exponent (e3, E-2).
/// We parse it ourselves because the client library's parser accepts some malformed values
/// and overflows on others without saying which field was wrong.
/// </summary>
public readonly partial record struct Quantity(decimal Value, string Text)
{
    /// <summary>Quantities larger than this (int64 max) are rejected: the kubelet cannot express them.</summary>
    private const decimal MaxValue = long.MaxValue;

    [GeneratedRegex(@"^(?<num>[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(?<suffix>Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?[0-9]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Grammar();

    public static Quantity Zero => new(0m, "0");

    public bool IsZero => Value == 0m;

    /// <summary>Value rounded up to an integer, as Quantity.Value() does (bytes for memory).</summary>
    public long CeilValue => (long)decimal.Ceiling(Value);

    /// <summary>Value in thousandths rounded up, as Quantity.MilliValue() does (millicores for cpu).</summary>
    public long MilliValue => (long)decimal.Ceiling(Value * 1000m);

    public static bool TryParse(string? text, out Quantity quantity, out string error)
    {
        quantity = Zero;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "quantity must not be empty";
            return false;
        }

        var match = Grammar().Match(text.Trim());
        if (!match.Success)
        {
            error = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
            return false;
        }

        try
        {
            var number = decimal.Parse(match.Groups["num"].Value, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
            var value = checked(number * Multiplier(match.Groups["suffix"].Value));
            if (decimal.Abs(value) > MaxValue)
            {
                error = "quantity is too large (the limit is 2^63-1)";
                return false;
            }

            quantity = new Quantity(value, text.Trim());
            error = "";
            return true;
        }
        catch (OverflowException)
        {
            error = "quantity is too large (the limit is 2^63-1)";
            return false;
        }
    }

    public static Quantity Parse(string text) =>
        TryParse(text, out var q, out var error) ? q : throw new FormatException($"{text}: {error}");

    private static decimal Multiplier(string suffix) => suffix switch
    {
        "" => 1m,
        "n" => 0.000000001m,
        "u" => 0.000001m,
        "m" => 0.001m,
        "k" => 1e3m,
        "M" => 1e6m,
        "G" => 1e9m,
        "T" => 1e12m,
        "P" => 1e15m,
        "E" => 1e18m,
        "Ki" => 1024m,
        "Mi" => 1024m * 1024,
        "Gi" => 1024m * 1024 * 1024,
        "Ti" => 1024m * 1024 * 1024 * 1024,
        "Pi" => 1024m * 1024 * 1024 * 1024 * 1024,
        "Ei" => 1024m * 1024 * 1024 * 1024 * 1024 * 1024,
        _ => PowerOfTen(int.Parse(suffix.AsSpan(1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture)),
    };

    private static decimal PowerOfTen(int exponent)
    {
        if (exponent > 28)
        {
            throw new OverflowException();
        }

        if (exponent < -28)
        {
            return 0m;
        }

        var result = 1m;
        for (var i = 0; i < Math.Abs(exponent); i++)
        {
            result = exponent > 0 ? result * 10m : result / 10m;
        }

        return result;
    }

    public override string ToString() => Text;
}
