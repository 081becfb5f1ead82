"""Safe XML reading: no DTDs, no entities, no external references, bounded depth.

Every element and attribute name comes back as its local name in QTI 2 camelCase, so one
reader serves QTI 2.1/2.2 (`choiceInteraction`, `responseIdentifier`) and QTI 3.0
(`qti-choice-interaction`, `response-identifier`) alike.
"""

from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from .errors import refused

# Deep enough for any real item; shallow enough that walking the tree cannot overflow.
MAX_DEPTH = 200


def parse_xml(data, name="the XML"):
    """The root element of `data`, names normalised; ImportRefused for unsafe or broken XML."""
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise refused(f"{name} declares a DTD, entities or external references, which are refused") from None
    except ParseError as error:
        raise refused(f"{name} is not well-formed XML ({error})") from None
    except (ValueError, LookupError, UnicodeError):
        raise refused(f"{name} is not well-formed XML") from None
    _check_depth(root, name)
    for element in root.iter():
        element.tag = local_name(element.tag) if isinstance(element.tag, str) else ""
        if element.attrib:
            element.attrib = {local_name(key): value for key, value in element.attrib.items()}
    return root


def local_name(name):
    """`{ns}qti-choice-interaction` → `choiceInteraction`; `{ns}p` → `p`."""
    name = name.rsplit("}", 1)[-1]
    if name.startswith("qti-"):
        name = name[4:]
    head, *rest = name.split("-")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _check_depth(root, name):
    """Refuse documents nested deeper than MAX_DEPTH, walking without recursion."""
    stack = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise refused(f"{name} is nested more than {MAX_DEPTH} elements deep")
        stack.extend((child, depth + 1) for child in element)


def children(element, tag):
    """The direct children of `element` named `tag`."""
    return [child for child in element if child.tag == tag]


def child(element, tag):
    """The first direct child named `tag`, or None."""
    for candidate in element:
        if candidate.tag == tag:
            return candidate
    return None


def find_all(element, tag):
    """Every descendant of `element` (itself included) named `tag`, in document order."""
    return [candidate for candidate in element.iter() if candidate.tag == tag]


def text_of(element):
    """All the character data inside `element`, stripped ('' for None)."""
    if element is None:
        return ""
    return "".join(element.itertext()).strip()
