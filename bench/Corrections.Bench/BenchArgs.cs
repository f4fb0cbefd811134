using System.Globalization;

namespace Corrections.Bench;

/// <summary>The command line: a benchmark's name, then <c>--name value</c> options; <c>--set Key=Value</c> may repeat and configures the service.</summary>
public sealed class BenchArgs
{
    private readonly Dictionary<string, string> options = new(StringComparer.OrdinalIgnoreCase);

    public BenchArgs(string[] args)
    {
        Command = args.Length > 0 ? args[0] : "help";
        for (var i = 1; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
                throw new ArgumentException($"Expected --name value, not '{args[i]}'");
            var name = args[i][2..];
            var value = args[++i];
            if (name == "set")
            {
                var equals = value.IndexOf('=');
                if (equals < 1)
                    throw new ArgumentException($"--set needs Key=Value, not '{value}'");
                ServiceSettings[value[..equals]] = value[(equals + 1)..];
            }
            else
                options[name] = value;
        }
    }

    public string Command { get; }
    public Dictionary<string, string> ServiceSettings { get; } = new(StringComparer.OrdinalIgnoreCase);

    public int Int(string name, int fallback) => options.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
    public double Double(string name, double fallback) => options.TryGetValue(name, out var v) ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;
    public string Text(string name, string fallback) => options.GetValueOrDefault(name, fallback);
    public TimeSpan Seconds(string name, double fallback) => TimeSpan.FromSeconds(Double(name, fallback));
    public int[] Ints(string name, string fallback) => Text(name, fallback).Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray();
}
