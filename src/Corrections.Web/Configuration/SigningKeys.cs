using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Corrections.Data;
using Microsoft.AspNetCore.DataProtection;

namespace Corrections.Configuration;

/// <summary>The certificate that encrypts the keys signing triage links where they are stored, in the database.</summary>
public sealed class SigningKeysOptions
{
    public const string Section = "DataProtection";

    /// <summary>A PKCS #12 file (.pfx/.p12) with the private key. Empty: the keys are stored in clear.</summary>
    public string CertificatePath { get; set; } = "";

    public string CertificatePassword { get; set; } = "";
}

/// <summary>
/// The keys that sign triage links live in the database, so that several instances share them. Without a certificate
/// they are stored in clear, and a copy of the database (a backup) can make links that triage any report.
/// </summary>
public static class SigningKeys
{
    public static IServiceCollection AddSigningKeys(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SigningKeysOptions>().BindConfiguration(SigningKeysOptions.Section);
        var keys = services.AddDataProtection().SetApplicationName("Corrections").PersistKeysToDbContext<CorrectionsDb>();
        // A certificate that cannot be read is reported with the other configuration errors at start (OptionsValidation).
        if (configuration.GetSection(SigningKeysOptions.Section).Get<SigningKeysOptions>() is { CertificatePath.Length: > 0 } options)
        {
            if (TryLoad(options, out var certificate, out _))
                keys.ProtectKeysWithCertificate(certificate).UnprotectKeysWithAnyCertificate(certificate);
        }
        else
        {
            // The start-up warns once, naming the key to set (StartupTasks); the key manager would add its own at every new key.
            services.Configure<LoggerFilterOptions>(logging => logging.Rules.Add(
                new LoggerFilterRule(null, "Microsoft.AspNetCore.DataProtection.KeyManagement.XmlKeyManager", LogLevel.Error, null)));
        }
        return services;
    }

    public static bool TryLoad(SigningKeysOptions options, out X509Certificate2 certificate, out string problem)
    {
        certificate = null!;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(options.CertificatePath, options.CertificatePassword.Length > 0 ? options.CertificatePassword : null);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
        {
            problem = ex.Message;
            return false;
        }
        if (!certificate.HasPrivateKey || certificate.GetRSAPrivateKey() is null)
        {
            problem = "it holds no RSA private key";
            return false;
        }
        problem = "";
        return true;
    }
}
