namespace Berth.Images;

/// <summary>What a container runs: its command and args merged with the image's Entrypoint and Cmd.</summary>
public static class ImageCommand
{
    /// <summary>
    /// The Kubernetes rules (the API's "command" and "args" fields, as kubelet and CRI runtimes
    /// apply them): a command replaces the image's Entrypoint and drops its Cmd; args alone replace
    /// the Cmd after the image's Entrypoint; neither runs Entrypoint then Cmd.
    /// </summary>
    /// <returns>argv; empty when neither the container nor the image says what to run.</returns>
    public static IReadOnlyList<string> Resolve(ImageConfig config, IReadOnlyList<string> command, IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(args);
        if (command.Count > 0)
        {
            return [.. command, .. args];
        }

        return args.Count > 0 ? [.. config.Entrypoint, .. args] : [.. config.Entrypoint, .. config.Cmd];
    }
}
