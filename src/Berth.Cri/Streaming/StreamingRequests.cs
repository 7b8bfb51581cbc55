using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Berth.Cri.Streaming;

/// <summary>An exec the kubelet asked for, to be served when its client connects to the URL.</summary>
public sealed record ExecStreamRequest(string ContainerId, IReadOnlyList<string> Command, bool Tty, bool Stdin, bool Stdout, bool Stderr);

/// <summary>An attach to a container's own stdio.</summary>
public sealed record AttachStreamRequest(string ContainerId, bool Tty, bool Stdin, bool Stdout, bool Stderr);

/// <summary>A port forward into a sandbox's network namespace.</summary>
public sealed record PortForwardStreamRequest(string SandboxId);

/// <summary>
/// The requests the Exec and PortForward RPCs answered with a URL: each URL holds a random,
/// single-use token that expires after a minute, like the kubelet's streaming server.
/// </summary>
public sealed class StreamingRequests(TimeProvider time)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, (object Request, DateTimeOffset Expires)> pending = new();

    public StreamingRequests()
        : this(TimeProvider.System)
    {
    }

    public string Add(object request)
    {
        foreach (var (token, entry) in pending)
        {
            if (entry.Expires < time.GetUtcNow())
            {
                pending.TryRemove(token, out _);
            }
        }

        var id = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('+', '-').Replace('/', '_');
        pending[id] = (request, time.GetUtcNow() + Lifetime);
        return id;
    }

    /// <summary>The request of a token, which is then used up; null when unknown or expired.</summary>
    public T? Take<T>(string token)
        where T : class =>
        pending.TryRemove(token, out var entry) && entry.Expires >= time.GetUtcNow() ? entry.Request as T : null;
}
