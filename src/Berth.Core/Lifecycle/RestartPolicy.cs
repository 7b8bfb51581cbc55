namespace Berth.Core.Lifecycle;

/// <summary>A pod's spec.restartPolicy (core/v1 RestartPolicy).</summary>
public enum RestartPolicy
{
    Always,
    OnFailure,
    Never,
}

public static class RestartPolicies
{
    /// <summary>The field as written; unset is Always, the API server's default. Validation has
    /// refused any other value before a pod gets here.</summary>
    public static RestartPolicy Parse(string? value) => value switch
    {
        null or "" or "Always" => RestartPolicy.Always,
        "OnFailure" => RestartPolicy.OnFailure,
        "Never" => RestartPolicy.Never,
        _ => throw new ArgumentOutOfRangeException(nameof(value), value, "not a restartPolicy (Always, OnFailure, Never)"),
    };

    /// <summary>Whether a container that exited with <paramref name="exitCode"/> runs again
    /// (kubelet's ShouldContainerBeRestarted for a container that has exited).</summary>
    public static bool Restarts(this RestartPolicy policy, int? exitCode) => policy switch
    {
        RestartPolicy.Always => true,
        RestartPolicy.OnFailure => exitCode != 0,
        _ => false,
    };
}
