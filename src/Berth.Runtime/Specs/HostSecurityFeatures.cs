using System.Globalization;

namespace Berth.Runtime.Specs;

/// <summary>The Linux security modules and kernel a node offers; behind an interface so the
/// checks that depend on them are tested for hosts with and without each.</summary>
public interface IHostSecurityFeatures
{
    /// <summary>AppArmor is enabled (/sys/module/apparmor/parameters/enabled is "Y").</summary>
    bool AppArmorEnabled { get; }

    /// <summary>SELinux is enabled (selinuxfs is mounted at /sys/fs/selinux).</summary>
    bool SelinuxEnabled { get; }

    /// <summary>The running kernel's version; null when it cannot be read.</summary>
    Version? KernelVersion { get; }
}

/// <summary>This machine's answers, read once.</summary>
public sealed class HostSecurityFeatures : IHostSecurityFeatures
{
    public static readonly HostSecurityFeatures Current = new();

    private readonly Lazy<bool> appArmor = new(() => ReadTrimmed("/sys/module/apparmor/parameters/enabled") == "Y");
    private readonly Lazy<bool> selinux = new(() => File.Exists("/sys/fs/selinux/enforce"));
    private readonly Lazy<Version?> kernel = new(() => ParseKernel(ReadTrimmed("/proc/sys/kernel/osrelease")));

    public bool AppArmorEnabled => appArmor.Value;

    public bool SelinuxEnabled => selinux.Value;

    public Version? KernelVersion => kernel.Value;

    /// <summary>"6.18.0-1-amd64" → 6.18.0: the leading numbers, as the kubelet's version.ParseGeneric.</summary>
    public static Version? ParseKernel(string? release)
    {
        if (string.IsNullOrEmpty(release))
        {
            return null;
        }

        var numbers = release.Split('.', 3).Select(p => new string([.. p.TakeWhile(char.IsAsciiDigit)])).TakeWhile(p => p.Length > 0).ToList();
        return numbers.Count >= 2
            ? new Version(int.Parse(numbers[0], CultureInfo.InvariantCulture), int.Parse(numbers[1], CultureInfo.InvariantCulture), numbers.Count > 2 ? int.Parse(numbers[2], CultureInfo.InvariantCulture) : 0)
            : null;
    }

    private static string? ReadTrimmed(string path)
    {
        try
        {
            return File.ReadAllText(path).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
