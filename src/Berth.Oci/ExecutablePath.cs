namespace Berth.Oci;

/// <summary>Finds a program on PATH, as a shell would; monitors need absolute runtime paths.</summary>
public static class ExecutablePath
{
    public static string Resolve(string program)
    {
        if (program.Contains('/'))
        {
            return program;
        }

        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var dir in path.Split(':', StringSplitOptions.RemoveEmptyEntries).Concat(["/usr/sbin", "/usr/bin", "/sbin", "/bin"]))
        {
            var candidate = Path.Combine(dir, program);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"{program} not found on PATH; install it (apt-get install {program})", program);
    }
}
