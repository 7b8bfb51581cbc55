using System.Collections.Concurrent;

namespace Berth.Cri.Runtime;

/// <summary>
/// Names being created right now. A sandbox is one per (namespace, name, uid, attempt) and a
/// container one per (sandbox, name, attempt), as in containerd: a kubelet that retries after a
/// timeout must get AlreadyExists, not a second pod. Existing records are checked by the caller;
/// this closes the window between that check and the record being saved.
/// </summary>
internal sealed class NameReservations
{
    private readonly ConcurrentDictionary<string, byte> reserved = new(StringComparer.Ordinal);

    /// <summary>Null when someone else holds the name; dispose the result to release it.</summary>
    public IDisposable? TryReserve(string name) =>
        reserved.TryAdd(name, 0) ? new Reservation(reserved, name) : null;

    private sealed class Reservation(ConcurrentDictionary<string, byte> reserved, string name) : IDisposable
    {
        public void Dispose() => reserved.TryRemove(name, out _);
    }
}
