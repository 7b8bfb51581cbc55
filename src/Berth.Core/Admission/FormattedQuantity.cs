using System.Globalization;
using Berth.Core.Planning;
using k8s.Models;

namespace Berth.Core.Admission;

/// <summary>
/// A quantity as the LimitRanger plugin holds one: an exact value (read with Berth's own
/// <see cref="Manifests.Quantity"/>) and the suffix format it was written in, which a sum keeps
/// from its first term. <see cref="ToString"/> prints it as apimachinery's Quantity.String() does
/// (CanonicalizeBytes in k8s.io/apimachinery/pkg/api/resource/quantity.go), because the plugin's
/// messages print quantities that way: "2Gi", "1500m", "1", "404857600".
/// </summary>
public readonly record struct FormattedQuantity(decimal Value, ResourceQuantity.SuffixFormat Format)
{
    /// <summary>resource.MaxMilliValue: above it a milli value would overflow int64, so the plugin
    /// compares whole units instead.</summary>
    public const decimal MaxMilliValue = long.MaxValue / 1000;

    private static readonly string[] BinarySuffixes = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];

    public static FormattedQuantity Of(ResourceQuantity quantity) => new(ResourceList.Of(quantity).Value, quantity.Format);

    /// <summary>Quantity.Value(): whole units, rounded up.</summary>
    public decimal UnitValue => RoundUp(Value);

    /// <summary>Quantity.MilliValue(): thousandths, rounded up.</summary>
    public decimal MilliValue => RoundUp(Value * 1000m);

    /// <summary>Quantity.Add: the sum keeps this quantity's format.</summary>
    public FormattedQuantity Plus(FormattedQuantity other) => this with { Value = Value + other.Value };

    /// <summary>The same value as the client library's model, for writing into a pod.</summary>
    public ResourceQuantity ToResourceQuantity() => new(ToString());

    public override string ToString()
    {
        if (Value == 0m)
        {
            return "0";
        }

        // A Quantity holds nanos at most: parsing rounds a finer value up, away from zero.
        var value = RoundUp(Value * 1_000_000_000m) / 1_000_000_000m;
        var format = Format;
        if (format == ResourceQuantity.SuffixFormat.BinarySI && (Math.Abs(value) < 1024m || value != decimal.Truncate(value)))
        {
            // Small or fractional binary values print in decimal, so nothing is rounded away.
            format = ResourceQuantity.SuffixFormat.DecimalSI;
        }

        return format == ResourceQuantity.SuffixFormat.BinarySI ? BinaryText(value) : DecimalText(value, format);
    }

    private static string BinaryText(decimal value)
    {
        var exponent = 0;
        while (exponent < BinarySuffixes.Length - 1 && value % 1024m == 0m)
        {
            value /= 1024m;
            exponent++;
        }

        return Number(value) + BinarySuffixes[exponent];
    }

    /// <summary>The mantissa without trailing zeros, its exponent then lowered to a multiple of 3.</summary>
    private static string DecimalText(decimal value, ResourceQuantity.SuffixFormat format)
    {
        var mantissa = value * 1_000_000_000m;
        var exponent = -9;
        while (mantissa % 10m == 0m)
        {
            mantissa /= 10m;
            exponent++;
        }

        var down = ((exponent % 3) + 3) % 3;
        for (var i = 0; i < down; i++)
        {
            mantissa *= 10m;
        }

        exponent -= down;
        var suffix = format == ResourceQuantity.SuffixFormat.DecimalExponent
            ? exponent == 0 ? "" : $"e{exponent.ToString(CultureInfo.InvariantCulture)}"
            : exponent switch
            {
                -9 => "n",
                -6 => "u",
                -3 => "m",
                3 => "k",
                6 => "M",
                9 => "G",
                12 => "T",
                15 => "P",
                18 => "E",
                _ => "",
            };
        return Number(mantissa) + suffix;
    }

    private static string Number(decimal integer) => decimal.Truncate(integer).ToString("0", CultureInfo.InvariantCulture);

    private static decimal RoundUp(decimal value) => value >= 0 ? decimal.Ceiling(value) : decimal.Floor(value);
}
