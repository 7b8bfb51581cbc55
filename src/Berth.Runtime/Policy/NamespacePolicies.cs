using System.Collections.Concurrent;
using Berth.Runtime.Store;
using k8s;
using k8s.Models;

namespace Berth.Runtime.Policy;

/// <summary>One stored policy object: a LimitRange or a Namespace, as the API server would keep it.</summary>
public sealed record PolicyRecord(string Kind, string Namespace, string Name, string Json, DateTimeOffset CreatedAt);

/// <summary>
/// The namespace-scoped policy objects given to <c>berth play</c>, kept on disk like the pods:
/// LimitRanges (defaults and bounds for the namespace's pods) and Namespaces (whose
/// pod-security.kubernetes.io labels choose the Pod Security level). A play replaces an object
/// of the same kind, namespace and name, as <c>kubectl apply</c> would.
/// </summary>
public sealed class NamespacePolicies
{
    private readonly RecordStore<PolicyRecord> store;
    private readonly ConcurrentDictionary<string, PolicyRecord> records = new(StringComparer.Ordinal);

    public NamespacePolicies(string directory)
    {
        store = new RecordStore<PolicyRecord>(directory);
        foreach (var record in store.LoadAll())
        {
            records[Key(record.Kind, record.Namespace, record.Name)] = record;
        }
    }

    public IReadOnlyList<V1LimitRange> LimitRanges(string? ns = null) =>
        [.. Of("LimitRange").Where(r => ns is null || r.Namespace == ns).Select(r => KubernetesJson.Deserialize<V1LimitRange>(r.Json, null))];

    /// <summary>The LimitRange records (for listing with their age).</summary>
    public IReadOnlyList<PolicyRecord> LimitRangeRecords => [.. Of("LimitRange")];

    /// <summary>The labels of a namespace given to play; empty when none was.</summary>
    public IReadOnlyDictionary<string, string> NamespaceLabels(string ns) =>
        records.TryGetValue(Key("Namespace", "", ns), out var record)
            ? KubernetesJson.Deserialize<V1Namespace>(record.Json, null).Metadata?.Labels as IReadOnlyDictionary<string, string> ?? new Dictionary<string, string>()
            : new Dictionary<string, string>();

    public IReadOnlyList<V1Namespace> Namespaces => [.. Of("Namespace").Select(r => KubernetesJson.Deserialize<V1Namespace>(r.Json, null))];

    public async Task SaveAsync(V1LimitRange range, CancellationToken ct) =>
        await SaveAsync("LimitRange", range.Metadata?.NamespaceProperty ?? "default", range.Metadata!.Name, KubernetesJson.Serialize(range), ct);

    public async Task SaveAsync(V1Namespace ns, CancellationToken ct) =>
        await SaveAsync("Namespace", "", ns.Metadata!.Name, KubernetesJson.Serialize(ns), ct);

    /// <summary>Removes a LimitRange; false when there is none of that name.</summary>
    public bool RemoveLimitRange(string ns, string name)
    {
        var key = Key("LimitRange", ns, name);
        if (!records.TryRemove(key, out _))
        {
            return false;
        }

        store.Delete(FileName(key));
        return true;
    }

    private IEnumerable<PolicyRecord> Of(string kind) =>
        records.Values.Where(r => r.Kind == kind).OrderBy(r => r.Namespace, StringComparer.Ordinal).ThenBy(r => r.Name, StringComparer.Ordinal);

    private async Task SaveAsync(string kind, string ns, string name, string json, CancellationToken ct)
    {
        var key = Key(kind, ns, name);
        var created = records.TryGetValue(key, out var old) ? old.CreatedAt : DateTimeOffset.UtcNow;
        var record = new PolicyRecord(kind, ns, name, json, created);
        await store.SaveAsync(FileName(key), record, ct);
        records[key] = record;
    }

    private static string Key(string kind, string ns, string name) => $"{kind}/{ns}/{name}";

    /// <summary>A record id the store accepts for any name (subdomain names hold '.').</summary>
    private static string FileName(string key) => Convert.ToHexStringLower(System.Text.Encoding.UTF8.GetBytes(key));
}
