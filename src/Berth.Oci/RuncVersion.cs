using System.Text.RegularExpressions;
using Berth.Linux;

namespace Berth.Oci;

/// <summary>The version of the runc binary Berth drives, from <c>runc --version</c>.</summary>
public static partial class RuncVersion
{
    /// <summary>Null when the binary does not answer or prints no version it can read.</summary>
    public static async Task<Version?> ReadAsync(string binary, CancellationToken ct)
    {
        try
        {
            var result = await CommandRunner.RunAsync(binary, ["--version"], ct, timeout: TimeSpan.FromSeconds(10), check: false);
            return result.ExitCode == 0 ? Parse(result.Stdout) : null;
        }
        catch (CommandException)
        {
            return null;
        }
    }

    /// <summary>Reads "runc version 1.1.5+ds1" (Debian) or "runc version 1.3.2" as a version.</summary>
    public static Version? Parse(string output)
    {
        var match = VersionLine().Match(output);
        return match.Success ? new Version(int.Parse(match.Groups[1].Value), int.Parse(match.Groups[2].Value), int.Parse(match.Groups[3].Value)) : null;
    }

    [GeneratedRegex(@"^runc version (\d+)\.(\d+)\.(\d+)", RegexOptions.Multiline)]
    private static partial Regex VersionLine();
}
