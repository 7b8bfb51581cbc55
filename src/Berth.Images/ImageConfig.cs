namespace Berth.Images;

/// <summary>
/// The part of an image's config that shapes a container (the "config" object of the OCI image
/// config, which Docker's image JSON shares). Lists are empty, never null, when the image leaves
/// them unset; an imported root filesystem has an empty config.
/// </summary>
/// <param name="Env">"NAME=value" entries, in the image's order.</param>
/// <param name="User">"", "name", "uid", "uid:gid" or "name:group"; <see cref="ImageUser"/> resolves it.</param>
/// <param name="ExposedPorts">"80/tcp", "53/udp": informational, as in docker.</param>
public sealed record ImageConfig(
    IReadOnlyList<string> Entrypoint,
    IReadOnlyList<string> Cmd,
    IReadOnlyList<string> Env,
    string WorkingDir,
    string User,
    IReadOnlyList<string> ExposedPorts)
{
    public static readonly ImageConfig Empty = new([], [], [], "", "", []);

    /// <summary>The signal that asks the image's process to stop ("SIGTERM" when empty).</summary>
    public string StopSignal { get; init; } = "";

    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
}
