namespace Berth.Images;

/// <summary>A container's imagePullPolicy.</summary>
public enum ImagePullPolicy
{
    Always,
    IfNotPresent,
    Never,
}

/// <summary>What to do about a container's image before creating it.</summary>
public enum PullDecision
{
    Pull,
    UseLocal,

    /// <summary>Never, and the image is not here: the kubelet's ErrImageNeverPull.</summary>
    FailNotPresent,
}

public static class ImagePullPolicies
{
    /// <summary>
    /// The API server's defaulting (core/v1 SetDefaults_Container): Always when the tag is
    /// "latest", written or implied (a name with neither tag nor digest), else IfNotPresent.
    /// </summary>
    public static ImagePullPolicy Default(ImageReference reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        return reference.Tag == ImageReference.DefaultTag ? ImagePullPolicy.Always : ImagePullPolicy.IfNotPresent;
    }

    /// <summary>"Always", "IfNotPresent", "Never", or empty/null for <see cref="Default"/>.</summary>
    /// <exception cref="FormatException">Any other text.</exception>
    public static ImagePullPolicy Parse(string? text, ImageReference reference) => text switch
    {
        null or "" => Default(reference),
        "Always" => ImagePullPolicy.Always,
        "IfNotPresent" => ImagePullPolicy.IfNotPresent,
        "Never" => ImagePullPolicy.Never,
        _ => throw new FormatException($"imagePullPolicy \"{text}\" is not Always, IfNotPresent or Never"),
    };

    public static PullDecision Decide(ImagePullPolicy policy, bool present) => policy switch
    {
        ImagePullPolicy.Always => PullDecision.Pull,
        ImagePullPolicy.IfNotPresent => present ? PullDecision.UseLocal : PullDecision.Pull,
        _ => present ? PullDecision.UseLocal : PullDecision.FailNotPresent,
    };
}
