namespace Berth.Images;

/// <summary>An OS/architecture pair in the OCI image index's words: "linux/amd64", "linux/arm64/v8".</summary>
public sealed record Platform(string Os, string Architecture, string? Variant = null)
{
    /// <summary>This machine, in GOARCH names as image indexes use them.</summary>
    public static Platform Host { get; } = new("linux", System.Runtime.InteropServices.RuntimeInformation.OSArchitecture switch
    {
        System.Runtime.InteropServices.Architecture.Arm64 => "arm64",
        System.Runtime.InteropServices.Architecture.Arm => "arm",
        System.Runtime.InteropServices.Architecture.X86 => "386",
        System.Runtime.InteropServices.Architecture.S390x => "s390x",
        System.Runtime.InteropServices.Architecture.Ppc64le => "ppc64le",
        System.Runtime.InteropServices.Architecture.RiscV64 => "riscv64",
        _ => "amd64",
    });

    public static Platform Parse(string text)
    {
        var parts = text.Split('/');
        return parts.Length is 2 or 3 && parts.All(p => p.Length > 0)
            ? new Platform(parts[0], parts[1], parts.Length == 3 ? parts[2] : null)
            : throw new FormatException($"invalid platform \"{text}\": expected OS/ARCH[/VARIANT], e.g. linux/amd64");
    }

    /// <summary>
    /// Whether an index entry for <paramref name="os"/>/<paramref name="architecture"/> runs here. A
    /// missing variant matches any, as containerd's default matcher does for amd64.
    /// </summary>
    public bool Matches(string? os, string? architecture, string? variant) =>
        string.Equals(os, Os, StringComparison.Ordinal)
        && string.Equals(architecture, Architecture, StringComparison.Ordinal)
        && (Variant is null || variant is null || string.Equals(variant, Variant, StringComparison.Ordinal));

    public override string ToString() => Variant is null ? $"{Os}/{Architecture}" : $"{Os}/{Architecture}/{Variant}";
}
