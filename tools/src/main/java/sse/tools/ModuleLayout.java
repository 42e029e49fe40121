package sse.tools;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every source folder belongs to exactly one Maven module. IntelliJ IDEA keeps a folder in one
 * module only: a folder that two modules compile is dropped from all but one at import, and a
 * folder outside a module's own directory is how that usually starts. This reads the poms of
 * the whole build (modules, and modules of modules) and lists every folder that breaks the rule.
 */
final class ModuleLayout {

    /** Elements whose text names a folder that a module compiles or packages. */
    private static final Set<String> FOLDER_ELEMENTS = Set.of(
            "sourceDirectory", "testSourceDirectory", "scriptSourceDirectory", "source", "directory");
    /** Where Maven looks by default, so a folder named explicitly elsewhere is compared with these too. */
    private static final List<String> DEFAULT_FOLDERS = List.of(
            "src/main/java", "src/test/java", "src/main/resources", "src/test/resources");

    private ModuleLayout() {
    }

    /** One problem per line; empty when every folder has one owner inside it. */
    static List<String> problems(Path root) throws IOException {
        Map<Path, String> owners = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        for (Path module : modules(root.toAbsolutePath().normalize())) {
            String name = Tools.display(root.toAbsolutePath().normalize(), module);
            String label = name.isEmpty() ? "the root pom" : name;
            Element project = read(module.resolve("pom.xml")).getDocumentElement();
            List<String> declared = new ArrayList<>();
            collect(project, declared);
            List<Path> folders = new ArrayList<>();
            for (String folder : DEFAULT_FOLDERS) {
                folders.add(module.resolve(folder).normalize());
            }
            for (String text : declared) {
                Path folder = resolve(module, text);
                if (folder == null) {
                    continue; // a property we cannot read here: not a folder of this repository
                }
                if (!folder.startsWith(module)) {
                    problems.add(label + "/pom.xml: uses " + text.strip() + ", a folder outside the module ("
                            + Tools.display(root.toAbsolutePath().normalize(), folder)
                            + "); make the shared code a module and depend on it");
                }
                folders.add(folder);
            }
            for (Path folder : folders) {
                String before = owners.putIfAbsent(folder, label);
                if (before != null && !before.equals(label)) {
                    problems.add(Tools.display(root.toAbsolutePath().normalize(), folder) + ": compiled by both "
                            + before + " and " + label + " (IntelliJ keeps a folder in one module only)");
                }
            }
        }
        return problems;
    }

    /** The root and every module below it, depth first, as absolute folders. */
    static List<Path> modules(Path root) throws IOException {
        List<Path> modules = new ArrayList<>();
        addModules(root, modules);
        return modules;
    }

    private static void addModules(Path module, List<Path> modules) throws IOException {
        modules.add(module);
        NodeList names = read(module.resolve("pom.xml")).getElementsByTagName("module");
        for (int i = 0; i < names.getLength(); i++) {
            Path child = module.resolve(names.item(i).getTextContent().strip()).normalize();
            if (!Files.isRegularFile(child.resolve("pom.xml"))) {
                throw new IOException(Tools.display(module, child) + " is listed as a module but has no pom.xml");
            }
            addModules(child, modules);
        }
    }

    private static void collect(Node node, List<String> folders) {
        for (Node child = node.getFirstChild(); child != null; child = child.getNextSibling()) {
            if (child instanceof Element element) {
                boolean folder = FOLDER_ELEMENTS.contains(element.getTagName())
                        && (!element.getTagName().equals("source") || ((Element) node).getTagName().equals("sources"));
                if (folder && !hasElementChildren(element)) {
                    folders.add(element.getTextContent());
                } else {
                    collect(element, folders);
                }
            }
        }
    }

    private static boolean hasElementChildren(Element element) {
        for (Node child = element.getFirstChild(); child != null; child = child.getNextSibling()) {
            if (child instanceof Element) {
                return true;
            }
        }
        return false;
    }

    /** A folder as Maven resolves it against the module, or null if it uses another property. */
    private static Path resolve(Path module, String text) {
        String path = text.strip()
                .replace("${project.basedir}", module.toString())
                .replace("${basedir}", module.toString());
        if (path.contains("${")) {
            return null;
        }
        Path folder = Path.of(path);
        return (folder.isAbsolute() ? folder : module.resolve(folder)).normalize();
    }

    private static Document read(Path pom) throws IOException {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            return factory.newDocumentBuilder().parse(pom.toFile());
        } catch (ParserConfigurationException | SAXException e) {
            throw new IOException(pom + ": " + e.getMessage(), e);
        }
    }
}
