using Berth.Core.Admission;
using Berth.Core.Manifests;
using Berth.Core.Security.PodSecurity;
using k8s.Models;

namespace Berth.Runtime.Policy;

/// <summary>A pod after the namespace's admission: defaulted by its LimitRanges and allowed by
/// Pod Security. <paramref name="Manifest"/> carries the defaulted pod.</summary>
/// <param name="Provenance">Which container values a LimitRange set.</param>
/// <param name="Warnings">PSA warn results, for the user of play.</param>
/// <param name="Audit">PSA audit result, recorded as the pod's event; null when none.</param>
public sealed record NamespaceAdmitted(
    PodManifest Manifest,
    IReadOnlyList<LimitRangeProvenance> Provenance,
    IReadOnlyList<string> Warnings,
    string? Audit);

/// <summary>
/// The API server's part of admission for standalone pods, in its order: the mutating
/// LimitRanger (defaults, then its bounds), then the validating Pod Security Admission on the
/// defaulted pod. The namespace's policy is what is stored plus what the same play brings (a
/// LimitRange or Namespace in the play replaces the stored one of its name), so a play that
/// carries its LimitRange applies it to its own pods, as <c>kubectl apply</c> of one file would.
/// Nothing is stored here: the caller saves the play's policy objects only once every pod of the
/// play was admitted, so a refused play leaves nothing behind.
/// </summary>
public sealed class NamespaceAdmission(NamespacePolicies policies, Func<PodSecurityConfiguration> podSecurity)
{
    /// <exception cref="ValidationException">A pod is refused: every reason of every pod.</exception>
    public IReadOnlyList<NamespaceAdmitted> Admit(IReadOnlyList<PodManifest> pods, IReadOnlyList<V1LimitRange> playRanges, IReadOnlyList<V1Namespace> playNamespaces)
    {
        var configuration = podSecurity();
        var errors = new List<FieldError>();
        var admitted = new List<NamespaceAdmitted>();
        foreach (var manifest in pods)
        {
            var ns = manifest.Pod.Metadata?.NamespaceProperty ?? "default";
            var name = manifest.Pod.Metadata?.Name ?? "";
            var limits = LimitRanger.Apply(manifest.Pod, RangesOf(ns, playRanges));
            if (!limits.Admitted)
            {
                // Every violation with its field (the API server would stop at the first LimitRange).
                errors.AddRange(limits.Violations.Select(v => new FieldError(manifest.Source, v.Path ?? ContainerPath(manifest.Pod, v.Container), v.ToString())));
                continue;
            }

            var (labels, labelSource) = LabelsOf(ns, playNamespaces);
            var security = PodSecurityAdmission.Evaluate(limits.Pod, manifest.HostCgroupNamespace, ns, labels, configuration, labelSource);
            if (security.LabelErrors.Count > 0)
            {
                // Labels stored before they were checked, or a configuration default they
                // override wrongly: PSA then enforces restricted, and says why.
                errors.AddRange(security.LabelErrors);
            }

            if (!security.Allowed)
            {
                errors.Add(new FieldError(manifest.Source, "", $"pods \"{name}\" is forbidden: {security.EnforceMessage}"));
                errors.AddRange(security.EnforceViolations.SelectMany(v => (v.Paths.Count > 0 ? v.Paths : [""])
                    .Select(path => new FieldError(manifest.Source, path, $"{v.CheckId}: {(v.Detail.Length == 0 ? v.Reason : $"{v.Reason} ({v.Detail})")}"))));
                continue;
            }

            List<string> warnings = security.WarnMessage is { } warn ? [$"{manifest.Source}: pod {ns}/{name}: {warn}"] : [];
            admitted.Add(new NamespaceAdmitted(manifest with { Pod = limits.Pod }, limits.Provenance, warnings, security.AuditMessage));
        }

        if (errors.Count > 0)
        {
            throw new ValidationException(errors);
        }

        return admitted;
    }

    /// <summary>Stores the play's LimitRanges and Namespaces, replacing those of the same name.</summary>
    public async Task SaveAsync(IReadOnlyList<V1LimitRange> playRanges, IReadOnlyList<V1Namespace> playNamespaces, CancellationToken ct)
    {
        foreach (var range in playRanges)
        {
            await policies.SaveAsync(range, ct);
        }

        foreach (var ns in playNamespaces)
        {
            await policies.SaveAsync(ns, ct);
        }
    }

    private IReadOnlyList<V1LimitRange> RangesOf(string ns, IReadOnlyList<V1LimitRange> playRanges)
    {
        var incoming = playRanges.Where(r => (r.Metadata?.NamespaceProperty ?? "default") == ns).ToList();
        return [.. policies.LimitRanges(ns).Where(stored => !incoming.Any(r => r.Metadata?.Name == stored.Metadata?.Name)), .. incoming];
    }

    private (IReadOnlyDictionary<string, string> Labels, string Source) LabelsOf(string ns, IReadOnlyList<V1Namespace> playNamespaces) =>
        playNamespaces.LastOrDefault(n => n.Metadata?.Name == ns) is { } incoming
            ? ((IReadOnlyDictionary<string, string>?)incoming.Metadata?.Labels?.AsReadOnly() ?? new Dictionary<string, string>(), $"Namespace {ns}")
            : (policies.NamespaceLabels(ns), $"Namespace {ns} (stored)");

    private static string ContainerPath(V1Pod pod, string? container)
    {
        if (container is null)
        {
            return "spec";
        }

        var index = pod.Spec?.Containers?.ToList().FindIndex(c => c.Name == container) ?? -1;
        if (index >= 0)
        {
            return $"spec.containers[{index}].resources";
        }

        index = pod.Spec?.InitContainers?.ToList().FindIndex(c => c.Name == container) ?? -1;
        return index >= 0 ? $"spec.initContainers[{index}].resources" : "spec";
    }
}
