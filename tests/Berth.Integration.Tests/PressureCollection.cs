namespace Berth.Integration.Tests;

/// <summary>
/// Tests that measure or strain the whole node (free memory, free pids, whole cores): they run
/// after the parallel collections, one at a time, so other tests cannot move the figures under them.
/// </summary>
[CollectionDefinition("pressure", DisableParallelization = true)]
public sealed class PressureCollection;
