using Berth.Core.Manifests;

namespace Berth.Runtime.Pods;

/// <summary>
/// What was read from a pod's manifest but not applied (unknown fields, fields the catalog only
/// warns about), as Warning events on the pod, so `berth events` shows later what play and plan
/// printed once (and what a static pod's file asked for, which nobody saw printed).
/// </summary>
public static class ManifestWarnings
{
    public const string Reason = "FieldIgnored";

    public static IEnumerable<PodEvent> Events(PodManifest manifest) =>
        manifest.Warnings.Select(w => new PodEvent(DateTimeOffset.UtcNow, "Warning", Reason, string.IsNullOrEmpty(w.Path) ? w.Message : $"{w.Path}: {w.Message}"));
}
