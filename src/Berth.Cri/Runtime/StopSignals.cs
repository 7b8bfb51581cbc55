using Google.Protobuf.Reflection;

namespace Berth.Cri.Runtime;

/// <summary>CRI's Signal enum ↔ signal names ("SIGTERM").</summary>
internal static class StopSignals
{
    private static readonly EnumDescriptor Signals = V1.ApiReflection.Descriptor.EnumTypes.Single(e => e.Name == nameof(V1.Signal));

    /// <summary>SIGNAL_SIGRTMINPLUS3 → "SIGRTMIN+3", SIGNAL_SIGRTMAXMINUS2 → "SIGRTMAX-2".</summary>
    public static string Name(V1.Signal signal)
    {
        var name = Signals.FindValueByNumber((int)signal)?.Name ?? throw CriErrors.InvalidArgument($"stop_signal {(int)signal} is not a signal");
        return name["SIGNAL_".Length..].Replace("PLUS", "+", StringComparison.Ordinal).Replace("MINUS", "-", StringComparison.Ordinal);
    }

    /// <summary>The enum value of a stored signal name; RUNTIME_DEFAULT when none was given.</summary>
    public static V1.Signal Of(string? name)
    {
        if (name is null)
        {
            return V1.Signal.RuntimeDefault;
        }

        var wanted = "SIGNAL_" + (name.StartsWith("SIG", StringComparison.OrdinalIgnoreCase) ? name : "SIG" + name).ToUpperInvariant()
            .Replace("+", "PLUS", StringComparison.Ordinal).Replace("-", "MINUS", StringComparison.Ordinal);
        return Signals.FindValueByName(wanted) is { } value ? (V1.Signal)value.Number : V1.Signal.RuntimeDefault;
    }
}
