namespace Berth.Cli;

/// <summary>kubectl/crictl habits: 0 ok, 1 failed, 2 bad input.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int BadInput = 2;
}
