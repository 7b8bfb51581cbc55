namespace Berth.Streaming;

/// <summary>
/// The subprotocols a client offers in X-Stream-Protocol-Version once its connection is SPDY
/// (k8s.io/apimachinery/pkg/util/remotecommand and pkg/kubelet/cri/streaming/portforward).
/// </summary>
public static class StreamProtocols
{
    /// <summary>The header a client offers protocols in and the server names its choice in.</summary>
    public const string VersionHeader = "X-Stream-Protocol-Version";

    /// <summary>Exec and attach: streams error, stdin, stdout, stderr and resize; the error
    /// stream ends with a metav1.Status (the exit code of a command).</summary>
    public const string RemoteCommandV4 = "v4.channel.k8s.io";

    /// <summary>Port forward: an error and a data stream per connection, paired by request id.</summary>
    public const string PortForwardV1 = "portforward.k8s.io";
}

/// <summary>Headers of a SYN_STREAM that say what a stream is for (k8s.io/api/core/v1). SPDY
/// sends names in lower case; they are matched without regard to case.</summary>
public static class StreamHeaders
{
    public const string StreamType = "streamType";

    /// <summary>Port forward: the pod's port a data stream connects to.</summary>
    public const string Port = "port";

    /// <summary>Port forward: what pairs a connection's error and data streams.</summary>
    public const string RequestId = "requestID";
}

/// <summary>Values of <see cref="StreamHeaders.StreamType"/>.</summary>
public static class StreamTypes
{
    public const string Error = "error";
    public const string Stdin = "stdin";
    public const string Stdout = "stdout";
    public const string Stderr = "stderr";

    /// <summary>Terminal sizes as JSON objects {"Width": w, "Height": h}.</summary>
    public const string Resize = "resize";

    /// <summary>Port forward: the connection's bytes.</summary>
    public const string Data = "data";
}
